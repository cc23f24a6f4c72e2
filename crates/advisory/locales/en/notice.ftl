# Lockstep notices: the public advisory notice and the embargoed pre-notification.
# Plain text (e-mail bodies); each line is one message.

notice-subject = [{ $tlp }] Security advisory { $id }: { $title }
notice-heading = Security advisory { $id }
notice-title = { $title }
notice-severity = Severity: { $rating } ({ $score }, CVSS { $version })
notice-severity-unknown = Severity: not yet scored
notice-aliases = Also known as: { $aliases }
notice-weakness = Weakness: { $cwe }
notice-affected = Affected: { $package } { $versions }
notice-fixed = Fixed in: { $versions }
notice-no-fix = No fixed version is available yet.
notice-section-summary = Summary
notice-section-details = Technical details
notice-section-remediation = Remediation
notice-section-mitigation = Mitigation
notice-references = References:
notice-credits = Credits: { $names }
notice-distribution = Distribution: { $tlp }

prenotice-subject = [{ $tlp }] EMBARGOED pre-notification { $id }: { $title }
prenotice-embargo = This information is under embargo until { $date }. Do not disclose it, or anything derived from it, before then.
prenotice-need-to-know = Share it only with the people who need it to prepare and ship a fix.
prenotice-reply = Please reply with your status for each affected package: affected, not affected (and why), under investigation, or fixed in a version.

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

status-change-subject = [{ $tlp }] { $id }: { $participant } is now { $status } for { $product }
status-change-body = { $participant } changed its status for { $vulnerability } on { $product } from { $old } to { $new }.
status-update-subject = [{ $tlp }] Status update on { $id }
status-update-intro = Status update from the coordinators on "{ $title }":
status-unknown = unknown
status-affected = affected
status-not-affected = not affected
status-fixed = fixed
status-under-investigation = under investigation

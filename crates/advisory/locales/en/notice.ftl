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

# Notifications of a case's events (e-mail), one subject and body per kind.
notification-footer = Open the case: { $url }
teaser-subject = [{ $tlp }] News on a Lockstep case
teaser-body = There is news on a case you take part in. Log in to read it.
read-in-subject = [{ $tlp }] { $project } was read into a case
read-in-body = { $project } was read into a coordinated disclosure case as { $role }. Keep what you learn there within the people who need it until the case is disclosed.
message-subject = [{ $tlp }] New message from { $author }
message-body = { $author } wrote:
case-change-subject = [{ $tlp }] A case you take part in changed
case-change-phase = The case moved from { $from } to { $to }.
case-change-embargo = The embargo went from { $from } to { $to }.
case-change-public-at = Planned public date: { $date } ({ $zone }).
case-change-vulnerability = A vulnerability was added: { $title }
case-change-other = The case changed.
disclosure-subject = [{ $tlp }] Disclosed: { $title }
disclosure-body = The case "{ $title }" is now disclosed.
advisory-published-subject = [{ $tlp }] Advisory { $advisory } published
advisory-published-body = Revision { $revision } of advisory { $advisory } is published.
reminder-subject = [{ $tlp }] Reminder on a case
reminder-body = A reminder on a case you take part in.
status-update-notification-subject = [{ $tlp }] Status update on a case
status-update-notification-body = The coordinators posted a status update.
nudge-subject = [{ $tlp }] A case is waiting for you
nudge-body = You were told of a case some days ago and have not opened it yet.
report-update-subject = [{ $tlp }] News on the security report you sent
report-update-body = There is news on the security report you sent. Open the private tracking link you were given when you sent it, to read it and to answer.
report-update-footer = Lost the link? Write to the coordinators through { $url }/security.

# Lockstep-Mitteilungen: öffentliche Sicherheitsmeldung und Vorabinformation unter Embargo.

notice-subject = [{ $tlp }] Sicherheitsmeldung { $id }: { $title }
notice-heading = Sicherheitsmeldung { $id }
notice-title = { $title }
notice-severity = Schweregrad: { $rating } ({ $score }, CVSS { $version })
notice-severity-unknown = Schweregrad: noch nicht bewertet
notice-aliases = Auch bekannt als: { $aliases }
notice-weakness = Schwachstellentyp: { $cwe }
notice-affected = Betroffen: { $package } { $versions }
notice-fixed = Behoben in: { $versions }
notice-no-fix = Eine korrigierte Version gibt es noch nicht.
notice-section-summary = Zusammenfassung
notice-section-details = Technische Details
notice-section-remediation = Behebung
notice-section-mitigation = Schutzmaßnahmen
notice-references = Verweise:
notice-credits = Dank an: { $names }
notice-distribution = Weitergabe: { $tlp }

prenotice-subject = [{ $tlp }] Vorabinformation unter EMBARGO { $id }: { $title }
prenotice-embargo = Diese Information steht bis { $date } unter Embargo. Geben Sie sie und alles daraus Abgeleitete vorher nicht weiter.
prenotice-need-to-know = Teilen Sie sie nur mit den Personen, die sie brauchen, um eine Korrektur vorzubereiten und auszuliefern.
prenotice-reply = Bitte antworten Sie mit Ihrem Status für jedes betroffene Paket: betroffen, nicht betroffen (mit Begründung), in Prüfung oder behoben in einer Version.

status-change-subject = [{ $tlp }] { $id }: { $participant } ist jetzt { $status } für { $product }
status-change-body = { $participant } hat den Status für { $vulnerability } bei { $product } geändert: von { $old } zu { $new }.
status-update-subject = [{ $tlp }] Statusmeldung zu { $id }
status-update-intro = Statusmeldung der Koordination zu „{ $title }“:
status-unknown = unbekannt
status-affected = betroffen
status-not-affected = nicht betroffen
status-fixed = behoben
status-under-investigation = in Prüfung

# Benachrichtigungen über Ereignisse eines Falls (E-Mail), je Art Betreff und Text.
notification-footer = Zum Fall: { $url }
teaser-subject = [{ $tlp }] Neuigkeiten zu einem Lockstep-Fall
teaser-body = Es gibt Neuigkeiten zu einem Fall, an dem Sie beteiligt sind. Melden Sie sich an, um sie zu lesen.
read-in-subject = [{ $tlp }] { $project } wurde in einen Fall aufgenommen
read-in-body = { $project } wurde als { $role } in einen Fall koordinierter Offenlegung aufgenommen. Geben Sie, was Sie dort erfahren, bis zur Offenlegung nur an die Menschen weiter, die es brauchen.
message-subject = [{ $tlp }] Neue Nachricht von { $author }
message-body = { $author } schrieb:
case-change-subject = [{ $tlp }] Ein Fall, an dem Sie beteiligt sind, hat sich geändert
case-change-phase = Der Fall ging von { $from } zu { $to } über.
case-change-embargo = Das Embargo ging von { $from } zu { $to } über.
case-change-public-at = Geplante Veröffentlichung: { $date } ({ $zone }).
case-change-vulnerability = Eine Schwachstelle wurde hinzugefügt: { $title }
case-change-other = Der Fall hat sich geändert.
disclosure-subject = [{ $tlp }] Offengelegt: { $title }
disclosure-body = Der Fall „{ $title }“ ist nun offengelegt.
advisory-published-subject = [{ $tlp }] Sicherheitsmeldung { $advisory } veröffentlicht
advisory-published-body = Revision { $revision } der Sicherheitsmeldung { $advisory } ist veröffentlicht.
reminder-subject = [{ $tlp }] Erinnerung zu einem Fall
reminder-body = Eine Erinnerung zu einem Fall, an dem Sie beteiligt sind.
status-update-notification-subject = [{ $tlp }] Statusmeldung zu einem Fall
status-update-notification-body = Die Koordinatoren haben eine Statusmeldung veröffentlicht.
nudge-subject = [{ $tlp }] Ein Fall wartet auf Sie
nudge-body = Sie wurden vor einigen Tagen über einen Fall informiert und haben ihn noch nicht geöffnet.
report-update-subject = [{ $tlp }] Neuigkeiten zu Ihrer Sicherheitsmeldung
report-update-body = Es gibt Neuigkeiten zu der Sicherheitsmeldung, die Sie geschickt haben. Öffnen Sie den privaten Link, den Sie beim Absenden erhalten haben, um sie zu lesen und zu antworten.
report-update-footer = Link verloren? Schreiben Sie den Koordinatoren über { $url }/security.

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

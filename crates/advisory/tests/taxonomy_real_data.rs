//! The embedded CWE table and SSVC decision tables against the official files in
//! `../shared/data` (real data): every CWE name, every row of every SSVC table.

use lockstep_advisory::cwe::{self, CweId};
use lockstep_advisory::ssvc::TableId;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

#[test]
fn cwe_table_matches_the_official_csv_real_data() {
    let mut count = 0;
    for view in [
        "cwe-1000-research-view-v4.14.csv",
        "cwe-699-software-development-view-v4.14.csv",
    ] {
        // MITRE's rows end in a comma the header lacks.
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(format!("{DATA}/cwe/{view}"))
            .unwrap();
        let headers = reader.headers().unwrap().clone();
        let id_col = headers.iter().position(|h| h == "CWE-ID").unwrap();
        let name_col = headers.iter().position(|h| h == "Name").unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            let id: CweId = format!("CWE-{}", &record[id_col]).parse().unwrap();
            assert_eq!(id.name(), &record[name_col]);
            count += 1;
        }
    }
    assert!(count > 938, "{count}");
    assert_eq!(cwe::all().len(), 938);
}

#[test]
fn every_row_of_every_official_ssvc_table_decides_as_written_real_data() {
    let mut rows = 0;
    for id in TableId::ALL {
        let dir = if *id == TableId::CisaCoordinator {
            "cisa"
        } else {
            "ssvc"
        };
        let path = format!("{DATA}/ssvc/csv/{dir}/{}", id.file_name());
        let official = std::fs::read_to_string(&path).unwrap();
        let table = id.table();
        let mut reader = csv::Reader::from_reader(official.as_bytes());
        let mut n = 0;
        for record in reader.records() {
            let record = record.unwrap();
            let values: Vec<&str> = record.iter().skip(1).collect();
            let (expected, inputs) = values.split_last().unwrap();
            let given: Vec<(&str, &str)> = table
                .inputs
                .iter()
                .map(|p| p.name.as_str())
                .zip(inputs.iter().copied())
                .collect();
            assert_eq!(table.decide(&given), Ok(*expected), "{path} row {}", &record[0]);
            // The order in which a caller names the points does not matter.
            let reversed: Vec<(&str, &str)> = given.iter().rev().copied().collect();
            assert_eq!(
                table.decide(&reversed),
                Ok(*expected),
                "{path} row {} reversed",
                &record[0]
            );
            n += 1;
        }
        assert_eq!(
            n,
            table.rows().count(),
            "{path}: embedded copy differs from the official table"
        );
        assert!(n > 0, "{path}");
        rows += n;
    }
    assert_eq!(rows, 36 + 192 + 27 + 36 + 72 + 16 + 4 + 4);
}

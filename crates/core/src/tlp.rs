//! Traffic Light Protocol 2.0 labels (FIRST), carried by cases, messages and artifacts.

use crate::macros::vocabulary;

vocabulary! {
    /// A TLP 2.0 label. The order is from least to most restricted.
    pub enum Tlp: "TLP label" {
        Clear = "CLEAR",
        Green = "GREEN",
        Amber = "AMBER",
        AmberStrict = "AMBER+STRICT",
        Red = "RED",
    }
}

impl Tlp {
    /// The label as FIRST prints it, for example `TLP:AMBER+STRICT`.
    pub fn label(self) -> String {
        format!("TLP:{}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_order_by_restriction() {
        for tlp in Tlp::ALL {
            assert_eq!(tlp.as_str().parse::<Tlp>().unwrap(), *tlp);
        }
        assert!(Tlp::Clear < Tlp::Red);
        assert_eq!(Tlp::AmberStrict.label(), "TLP:AMBER+STRICT");
        let err = "PURPLE".parse::<Tlp>().unwrap_err();
        assert!(err.to_string().contains("AMBER+STRICT"), "{err}");
    }
}

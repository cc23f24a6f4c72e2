//! Every ecosystem's ordering is a total order on generated versions:
//! antisymmetric and transitive (a property test with a fixed seed).
#![allow(clippy::unwrap_used)]

use std::cmp::Ordering;

use lockstep_graph::version::{dpkg_cmp, Version};
use lockstep_graph::Ecosystem;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() as usize) % xs.len()]
    }
}

fn generate(eco: &Ecosystem, rng: &mut Rng) -> String {
    let n = |r: &mut Rng| (r.next() % 4).to_string();
    match eco {
        Ecosystem::Debian => {
            let epoch = if rng.next() % 5 < 1 { "1:" } else { "" };
            let tail = rng.pick(&["", "~rc1", "+dfsg", "a", "+ds0", "~", "+b1", ".0"]);
            let rev = rng.pick(&["", "-1", "-2", "-1~deb12u1", "-0+b1"]);
            format!("{epoch}{}.{}{tail}{rev}", n(rng), n(rng))
        }
        Ecosystem::PyPI => {
            let tail = rng.pick(&["", "a1", "b2", "rc1", ".post1", ".dev0", ".0", "+local"]);
            format!("{}.{}{tail}", n(rng), n(rng))
        }
        _ => {
            let tail = rng.pick(&["", "-alpha", "-alpha.1", "-beta", "-rc.1", "-0", "+build"]);
            format!("{}.{}.{}{tail}", n(rng), n(rng), n(rng))
        }
    }
}

#[test]
fn orderings_are_antisymmetric_and_transitive() {
    let mut rng = Rng(7);
    for eco in [Ecosystem::CratesIo, Ecosystem::Npm, Ecosystem::PyPI, Ecosystem::Debian] {
        let versions: Vec<Version> = (0..150)
            .map(|_| generate(&eco, &mut rng))
            .map(|s| Version::parse(&eco, &s).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let cmp = |a: &Version, b: &Version| a.compare(b).unwrap();
        for a in &versions {
            for b in &versions {
                assert_eq!(cmp(a, b), cmp(b, a).reverse(), "{eco}: {a} vs {b}");
            }
        }
        for _ in 0..20_000 {
            let i = |r: &mut Rng| (r.next() as usize) % versions.len();
            let (a, b, c) = (&versions[i(&mut rng)], &versions[i(&mut rng)], &versions[i(&mut rng)]);
            if cmp(a, b) != Ordering::Greater && cmp(b, c) != Ordering::Greater {
                assert_ne!(cmp(a, c), Ordering::Greater, "{eco}: {a} <= {b} <= {c}");
            }
        }
        if eco == Ecosystem::Debian {
            for v in &versions {
                let s = v.to_string();
                assert_eq!(dpkg_cmp(&s, &s), Ordering::Equal);
            }
        }
    }
}

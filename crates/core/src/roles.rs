//! Who a user is: a global role, and roles inside projects and cases.

use crate::macros::vocabulary;

vocabulary! {
    /// A user's role across the whole instance.
    pub enum GlobalRole: "role" {
        /// Runs the instance; can see every case (each look is audited like any other read of the API).
        Admin = "admin",
        /// Member of a coordination team: may open cases and coordinates those they are on.
        Coordinator = "coordinator",
        /// Everyone else: sees cases only through the projects they belong to.
        Member = "member",
    }
}

vocabulary! {
    /// A user's role inside a project.
    pub enum MembershipRole: "membership role" {
        Maintainer = "maintainer",
        SecurityContact = "security_contact",
        Liaison = "liaison",
    }
}

vocabulary! {
    /// What a project is to a case.
    pub enum ParticipantRole: "participant role" {
        Upstream = "upstream",
        Downstream = "downstream",
        Distributor = "distributor",
    }
}

vocabulary! {
    /// Who a project's contact is, which decides what they hear and when: security,
    /// maintainer and liaison contacts hear of a case as soon as the project is read in;
    /// consumers hear nothing before the case is disclosed.
    pub enum ContactRole: "contact role" {
        Security = "security",
        Maintainer = "maintainer",
        Liaison = "liaison",
        Consumer = "consumer",
    }
}

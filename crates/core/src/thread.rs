//! Rules of a case's message threads: how deep replies nest, and who a reply may
//! reach. The store applies them when a message is posted; the pages render threads
//! of any depth without recursion, since older data may predate the cap.

use crate::authz::Audience;

/// The deepest a reply may sit (a message that starts a thread is at depth 0). A
/// reply to a message at this depth is refused (422 naming `parent_id`): the poster
/// replies higher up instead. Refusing is explicit; silently moving the reply under
/// another message would change what it answers.
pub const MAX_DEPTH: i64 = 32;

/// Why a reply cannot be posted as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("replies nest at most {MAX_DEPTH} deep; reply to an earlier message of this thread")]
    TooDeep,
    #[error("a reply may not reach more people than the message it answers")]
    WiderThanParent,
}

/// The depth of a reply to a message at `parent_depth`, if it may nest there.
pub fn reply_depth(parent_depth: i64) -> Result<i64, ReplyError> {
    if parent_depth >= MAX_DEPTH {
        Err(ReplyError::TooDeep)
    } else {
        Ok(parent_depth + 1)
    }
}

/// The audience of a reply: the one asked for if it is no wider than the parent's,
/// the parent's own when none is asked for. A reply never reaches anyone its parent
/// did not.
pub fn reply_audience(parent: Audience, requested: Option<Audience>) -> Result<Audience, ReplyError> {
    let Some(requested) = requested else {
        return Ok(parent);
    };
    let within = match (parent, requested) {
        (Audience::All, _) => true,
        (Audience::Project(p), Audience::Project(q)) => p == q,
        (Audience::Project(_), Audience::Coordinators) => true,
        (Audience::Coordinators, Audience::Coordinators) => true,
        _ => false,
    };
    if within {
        Ok(requested)
    } else {
        Err(ReplyError::WiderThanParent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProjectId;

    #[test]
    fn replies_inherit_their_parents_audience() {
        let p = ProjectId::new();
        assert_eq!(reply_audience(Audience::Coordinators, None), Ok(Audience::Coordinators));
        assert_eq!(reply_audience(Audience::Project(p), None), Ok(Audience::Project(p)));
        assert_eq!(reply_audience(Audience::All, None), Ok(Audience::All));
    }

    #[test]
    fn replies_never_widen_their_audience() {
        let p = ProjectId::new();
        let q = ProjectId::new();
        for (parent, asked) in [
            (Audience::Coordinators, Audience::All),
            (Audience::Coordinators, Audience::Project(p)),
            (Audience::Project(p), Audience::All),
            (Audience::Project(p), Audience::Project(q)),
        ] {
            assert_eq!(reply_audience(parent, Some(asked)), Err(ReplyError::WiderThanParent));
        }
        assert_eq!(
            reply_audience(Audience::Project(p), Some(Audience::Coordinators)),
            Ok(Audience::Coordinators)
        );
        assert_eq!(
            reply_audience(Audience::All, Some(Audience::Project(q))),
            Ok(Audience::Project(q))
        );
    }

    #[test]
    fn depth_is_capped() {
        assert_eq!(reply_depth(0), Ok(1));
        assert_eq!(reply_depth(MAX_DEPTH - 1), Ok(MAX_DEPTH));
        assert_eq!(reply_depth(MAX_DEPTH), Err(ReplyError::TooDeep));
    }
}

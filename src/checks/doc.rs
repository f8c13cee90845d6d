//! A rule's documentation: the sections of its doc comment.

//! The tree a message parser reads: known elements with their text and children.

use std::borrow::Cow;

use crate::error::{ParseError, Rule};

/// One element that the message defines, with its known children. Names
/// and text borrow from the document where they appear in it unchanged.
#[derive(Debug, Default)]
pub(crate) struct Element<'a> {
    pub name: Cow<'a, str>,
    /// Text content, with edge white space dropped as `TextBuffer` describes.
    pub text: Cow<'a, str>,
    /// Whether any child element appeared, known or not.
    pub has_elements: bool,
    /// Known children, in document order; unknown ones are checked and dropped.
    pub children: Vec<Element<'a>>,
}

impl<'a> Element<'a> {
    /// Rejects text in an element that should hold only elements.
    pub fn expect_container(&self, path: &str) -> Result<(), ParseError> {
        if self.text.is_empty() {
            Ok(())
        } else {
            Err(ParseError::new(path, Rule::TextInContainer))
        }
    }

    /// Returns the single child called `name`, rejecting a second one.
    pub fn child(&self, path: &str, name: &str) -> Result<Option<&Element<'a>>, ParseError> {
        let mut matches = self.children.iter().filter(|child| child.name == name);
        let first = matches.next();
        if matches.next().is_some() {
            return Err(ParseError::new(format!("{path}/{name}"), Rule::Duplicate));
        }
        Ok(first)
    }

    /// Returns the text of the single child called `name`, rejecting a second
    /// one and a child that contains elements.
    pub fn value(&self, path: &str, name: &str) -> Result<Option<&str>, ParseError> {
        match self.child(path, name)? {
            Some(child) if child.has_elements => Err(ParseError::new(
                format!("{path}/{name}"),
                Rule::ElementInValue,
            )),
            Some(child) => Ok(Some(&child.text)),
            None => Ok(None),
        }
    }

    /// Returns the children called `name`, for elements that may repeat.
    pub fn children_named<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = &'s Element<'a>> {
        self.children.iter().filter(move |child| child.name == name)
    }
}

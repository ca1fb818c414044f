//! Lists read newest first a page at a time: each page is the rows with
//! an id below the cursor its predecessor returned (`next_before`).

/// A page of `size` rows, read by asking for one row more: that extra row
/// tells whether an older page exists without counting the whole list.
#[derive(Debug, Clone, Copy)]
pub struct NewestFirst {
    pub size: usize,
}

impl NewestFirst {
    /// The LIMIT to read with.
    pub fn limit(self) -> i64 {
        self.size as i64 + 1
    }

    /// The page among `rows` (read with `limit`), and the cursor of the
    /// page after it: the last shown row's id, or None on the last page.
    pub fn page<T>(self, mut rows: Vec<T>, id: impl Fn(&T) -> i64) -> (Vec<T>, Option<i64>) {
        let more = rows.len() > self.size;
        rows.truncate(self.size);
        let next_before = if more { rows.last().map(id) } else { None };
        (rows, next_before)
    }
}

#[cfg(test)]
mod tests {
    use super::NewestFirst;

    const PAGE: NewestFirst = NewestFirst { size: 3 };

    #[test]
    fn a_row_beyond_the_page_gives_the_cursor_of_the_last_one_shown() {
        assert_eq!(PAGE.limit(), 4);
        assert_eq!(PAGE.page(vec![9, 7, 5, 2], |r| *r), (vec![9, 7, 5], Some(5)));
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        assert_eq!(PAGE.page(vec![9, 7, 5], |r| *r), (vec![9, 7, 5], None));
        assert_eq!(PAGE.page(Vec::<i64>::new(), |r| *r), (vec![], None));
    }
}

use leptos::{html, prelude::*};

/// Whether the user has pressed anything on the page yet. Until then the
/// focus stays where the browser put it, whatever the page redraws.
#[derive(Clone, Copy)]
pub struct FocusFollows {
    acted: StoredValue<bool>,
    /// The next heading takes the focus even from a button still there.
    jump: StoredValue<bool>,
}

impl FocusFollows {
    /// For the page's components; call `acted` on each click in the page.
    pub fn provide() -> FocusFollows {
        let follows = FocusFollows { acted: StoredValue::new(false), jump: StoredValue::new(false) };
        provide_context(follows);
        follows
    }

    pub fn acted(self) {
        self.acted.set_value(true);
    }

    /// For a button whose part appears elsewhere on the page (and that
    /// stays): the keyboard focus goes to the new part's heading.
    pub fn jump(self) {
        self.acted.set_value(true);
        self.jump.set_value(true);
    }
}

/// Gives `heading` the keyboard focus when it appears while the focus is
/// lost, after the user pressed something: the button that had the focus
/// is gone (a platform chosen, a lease confirmed or ended), and keyboard
/// and screen-reader users would go on from the top of the page. The
/// heading needs `tabindex="-1"`; the page, `FocusFollows::provide`. After
/// `FocusFollows::jump` the heading takes the focus in any case.
pub fn focus_if_lost(heading: NodeRef<html::H2>) {
    #[cfg(feature = "hydrate")]
    {
        let follows = use_context::<FocusFollows>();
        crate::reactive::effect(move || {
            let Some(heading) = heading.get() else { return };
            // After the frame: the part this heading replaces (and the
            // button in it) may leave the page after the heading arrived.
            request_animation_frame(move || {
                // A removed element leaves the focus on <body>.
                let lost = document().active_element().is_none_or(|e| e.tag_name() == "BODY");
                let Some(follows) = follows else { return };
                let jump = follows.jump.try_update_value(std::mem::take).unwrap_or(false);
                if jump || (lost && follows.acted.get_value()) {
                    let _ = heading.focus();
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = heading;
}

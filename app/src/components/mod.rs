pub mod charts;
pub mod copy_button;
pub mod data_table;
pub mod form;
pub mod layout;
pub mod local_time;
pub mod page_title;

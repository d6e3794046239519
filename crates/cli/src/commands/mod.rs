pub mod bench;
pub mod breach;
pub mod config;
pub mod demo;
pub mod serve;
pub mod staff;

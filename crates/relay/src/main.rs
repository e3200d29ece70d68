//! `telegram-relay`: see `telegram-relay --help` and the crate's README.

fn main() -> std::process::ExitCode {
    telegram_relay::cli::main()
}

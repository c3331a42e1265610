//! The `meetjoin` binary: the window by default, or a command.

fn main() -> std::process::ExitCode {
    meetjoin::cli::main()
}

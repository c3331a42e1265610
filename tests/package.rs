//! What the Debian package installs: the man pages and completions that `meetjoin
//! generate-assets` writes, and the desktop file, metainfo and icons that Cargo.toml's
//! `[package.metadata.deb]` lists. scripts/package_check.sh checks the installed package.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary with `args`.
fn meetjoin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meetjoin"))
        .args(args)
        .output()
        .expect("run meetjoin")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The commands `meetjoin --help` lists (without `help`).
fn public_commands() -> Vec<String> {
    let help = text(&meetjoin(&["--help"]).stdout);
    let commands: Vec<String> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(commands.iter().any(|c| c == "check"), "{help}");
    commands
}

/// Writes the man pages and completions into a fresh directory.
fn generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = meetjoin(&[
        "generate-assets",
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_man_pages_cover_every_command_and_its_options() {
    let dir = generated();
    let main = read(&dir.path().join("man/meetjoin.1"));
    assert!(main.starts_with(".ie"), "roff");
    assert!(main.contains("\\-\\-verbose"), "{main}");
    for command in public_commands() {
        assert!(
            main.contains(&format!("meetjoin\\-{command}(1)")),
            "meetjoin.1 lists {command}: {main}"
        );
        let page = read(&dir.path().join(format!("man/meetjoin-{command}.1")));
        // Every option that `meetjoin COMMAND --help` shows is in the page.
        let help = text(&meetjoin(&[&command, "--help"]).stdout);
        for option in help
            .split_whitespace()
            .filter(|word| word.starts_with("--") && word.len() > 2)
        {
            let option = option.trim_end_matches([',', '.']);
            let roff = option.replace('-', "\\-");
            assert!(page.contains(&roff), "meetjoin-{command}.1 has {option}");
        }
    }
}

#[test]
fn the_completions_offer_every_command_and_never_the_hidden_one() {
    let dir = generated();
    let commands = public_commands();
    for file in ["meetjoin.bash", "_meetjoin", "meetjoin.fish"] {
        let script = read(&dir.path().join("completions").join(file));
        for command in &commands {
            assert!(script.contains(command.as_str()), "{file} offers {command}");
        }
        assert!(
            script.contains("password-stdin"),
            "{file} completes options"
        );
        assert!(
            !script.contains("generate-assets"),
            "{file} hides generate-assets"
        );
    }
    let help = text(&meetjoin(&["--help"]).stdout);
    assert!(!help.contains("generate-assets"), "{help}");
}

#[test]
fn generate_assets_without_a_directory_is_a_usage_error() {
    let out = meetjoin(&["generate-assets"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--out <DIR>"));
}

#[test]
fn the_desktop_files_check_clipboard_action_is_a_command_line_meetjoin_accepts() {
    let desktop = read(Path::new("assets/meetjoin.desktop"));
    assert!(
        desktop.contains("\nActions=check-clipboard;\n"),
        "{desktop}"
    );
    let action = desktop
        .split("[Desktop Action check-clipboard]")
        .nth(1)
        .expect("the action's group");
    let exec = action
        .lines()
        .find_map(|line| line.strip_prefix("Exec="))
        .expect("its Exec line");
    let mut words = exec.split_whitespace();
    assert_eq!(words.next(), Some("meetjoin"));
    let mut args: Vec<&str> = words.collect();
    // Without the window in this build, `gui` does not exist; the package always has it.
    if cfg!(feature = "gui") {
        args.push("--help");
        let out = meetjoin(&args);
        assert!(out.status.success(), "{exec}: {}", text(&out.stderr));
    }
}

/// `[source, destination]` of each asset in Cargo.toml's `[package.metadata.deb]`.
fn deb_assets() -> Vec<(String, String)> {
    let manifest = read(Path::new("Cargo.toml"));
    let section = manifest
        .split("[package.metadata.deb]")
        .nth(1)
        .expect("a [package.metadata.deb] section");
    let section = section.split("\n[").next().expect("up to the next table");
    let pattern = regex::Regex::new(r#"\["([^"]+)", "([^"]+)", "[0-7]{3}"\]"#).expect("regex");
    pattern
        .captures_iter(section)
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect()
}

/// Where an asset lands: a destination ending in `/` keeps the source's file name.
fn installed_path(source: &str, destination: &str) -> PathBuf {
    if destination.ends_with('/') {
        Path::new(destination).join(Path::new(source).file_name().expect("a file name"))
    } else {
        PathBuf::from(destination)
    }
}

/// Width and height from a PNG's header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).expect("read the PNG");
    assert_eq!(&bytes[1..4], b"PNG", "{} is a PNG", path.display());
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    (word(16), word(20))
}

#[test]
fn the_package_installs_the_launcher_metainfo_and_an_icon_in_every_size() {
    let assets = deb_assets();
    let installed: Vec<PathBuf> = assets
        .iter()
        .map(|(source, destination)| installed_path(source, destination))
        .collect();
    for (source, _) in &assets {
        if !source.starts_with("target/") {
            assert!(Path::new(source).is_file(), "{source} exists");
        }
    }
    let has = |path: &str| installed.iter().any(|p| p == Path::new(path));
    assert!(has("usr/bin/meetjoin"));
    assert!(has("usr/share/applications/meetjoin.desktop"));
    // Every page generate-assets writes (`meetjoin.1`, `meetjoin-check.1`, ...).
    assert!(
        assets
            .iter()
            .any(|(source, dest)| source.ends_with("/man/*.1") && dest == "usr/share/man/man1/"),
        "{assets:?}"
    );
    assert!(has("usr/share/bash-completion/completions/meetjoin"));
    assert!(has("usr/share/zsh/vendor-completions/_meetjoin"));
    assert!(has("usr/share/fish/vendor_completions.d/meetjoin.fish"));

    // The metainfo is named after its id and launches the desktop file the package installs.
    let metainfo = assets
        .iter()
        .find(|(source, _)| source.ends_with(".metainfo.xml"))
        .expect("a metainfo asset");
    let xml = read(Path::new(&metainfo.0));
    let id = xml
        .split("<id>")
        .nth(1)
        .and_then(|rest| rest.split("</id>").next())
        .expect("<id>");
    assert!(has(&format!("usr/share/metainfo/{id}.metainfo.xml")));
    assert!(xml.contains(r#"<launchable type="desktop-id">meetjoin.desktop</launchable>"#));

    // The desktop file's icon, in every hicolor size from 16 to 512, each the size it says.
    assert!(read(Path::new("assets/meetjoin.desktop")).contains("\nIcon=meetjoin\n"));
    for size in [16, 22, 24, 32, 48, 64, 128, 256, 512] {
        let destination = format!("usr/share/icons/hicolor/{size}x{size}/apps/meetjoin.png");
        let (source, _) = assets
            .iter()
            .find(|(source, dest)| installed_path(source, dest) == Path::new(&destination))
            .unwrap_or_else(|| panic!("an asset for {destination}"));
        assert_eq!(png_size(Path::new(source)), (size, size), "{source}");
    }
}

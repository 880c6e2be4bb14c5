//! Scratch crates under `target/difftest/`: building and running generated programs, and
//! the `run` command.

use crate::ast::Flavour;
use crate::emit::{self, Flavours, Mode};
use crate::gen::{self, Config, Features, Program};
use crate::workspace_root;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The support code of the checked-in suite, shared verbatim.
pub const SUPPORT: &str = include_str!("../../../tests/differential/support.rs");

/// Options of `difftest run`.
pub struct RunOpts {
    pub seed: u64,
    pub count: u64,
    pub batch: u64,
    pub shrink: bool,
    pub max_shrinks: usize,
    /// Program size factor (1: as in the checked-in suite).
    pub size: i64,
    /// Each program in both flavours (else even programs as generators, odd ones async).
    pub both: bool,
    /// First program number (to resume a run).
    pub start: u64,
}

/// The `coroutines` crate the scratch crates depend on: the working tree, or a snapshot.
static FACADE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Makes the scratch crates test the committed revision `rev` (exported with `git archive`
/// into `target/difftest/snapshot-<command>`) instead of the working tree.
pub fn use_snapshot(rev: &str, tag: &str) -> Result<(), String> {
    let root = workspace_root();
    let dir = root.join(format!("target/difftest/snapshot-{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let archive = Command::new("git")
        .args(["archive", "--format=tar", rev])
        .current_dir(&root)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git archive: {e}"))?;
    let status = Command::new("tar")
        .args(["-x", "-f", "-"])
        .current_dir(&dir)
        .stdin(archive.stdout.ok_or("git archive: no output")?)
        .status()
        .map_err(|e| format!("tar: {e}"))?;
    if !status.success() {
        return Err(format!("could not export {rev}"));
    }
    // The snapshot is a workspace of its own: keep only what the facade needs.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let manifest: String = manifest
        .lines()
        .map(|l| {
            if l.starts_with("members") {
                "members = [\"coroutine-macros\", \"runtime\"]"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    println!("testing {rev} (exported to {})", dir.display());
    FACADE
        .set(dir)
        .map_err(|_| "facade already chosen".to_string())
}

fn facade() -> PathBuf {
    FACADE.get().cloned().unwrap_or_else(workspace_root)
}

/// Formats a file in place with rustfmt.
pub fn rustfmt(path: &Path) -> Result<(), String> {
    let status = Command::new("rustfmt")
        .args(["--edition", "2021"])
        .arg(path)
        .status()
        .map_err(|e| format!("rustfmt: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("rustfmt failed on {}", path.display()))
    }
}

/// A scratch crate at `target/difftest/<name>` depending on the facade by path.
pub struct Scratch {
    pub dir: PathBuf,
    target: PathBuf,
}

/// Output of a command.
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

impl Scratch {
    pub fn new(name: &str) -> Result<Scratch, String> {
        let root = workspace_root();
        let base = root.join("target/difftest");
        let dir = base.join(name);
        let io = |e: std::io::Error| format!("{}: {e}", dir.display());
        std::fs::create_dir_all(dir.join("tests")).map_err(io)?;
        std::fs::create_dir_all(dir.join("support")).map_err(io)?;
        std::fs::create_dir_all(dir.join("src")).map_err(io)?;
        let manifest = format!(
            "[package]\nname = \"difftest-{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ncoroutines = {{ path = {:?} }}\n\n[profile.dev]\ndebug = 0\n\n[workspace]\n",
            facade().display().to_string()
        );
        write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
        write_if_changed(&dir.join("src/lib.rs"), "")?;
        write_if_changed(&dir.join("support/support.rs"), SUPPORT)?;
        // The fuzzer gets its own target directory so that it can run beside `run`.
        let target = if name == "fuzz" {
            base.join("target-fuzz")
        } else {
            base.join("target")
        };
        Ok(Scratch { dir, target })
    }

    /// Writes test files `(name, contents)` (leaving unchanged ones alone, so that cargo does
    /// not rebuild them).
    pub fn set_tests(&self, files: &[(String, String)]) -> Result<(), String> {
        let tests = self.dir.join("tests");
        for (name, text) in files {
            write_if_changed(&tests.join(format!("{name}.rs")), text)?;
        }
        Ok(())
    }

    pub fn cargo(&self, args: &[&str], timeout: Duration) -> Result<Output, String> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let mut command = Command::new(cargo);
        // Its own process group, so that a timeout also ends a hanging test binary (which
        // would otherwise keep our pipes open).
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("RUST_BACKTRACE", "0")
            .env_remove("RUSTC_WRAPPER")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cargo: {e}"))?;
        let mut out = child.stdout.take().expect("piped");
        let mut err = child.stderr.take().expect("piped");
        let t_out = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let t_err = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        let start = Instant::now();
        let verbose = std::env::var_os("DIFFTEST_VERBOSE").is_some();
        let mut timed_out = false;
        let status = loop {
            if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
                break Some(st);
            }
            if start.elapsed() > timeout {
                timed_out = true;
                #[cfg(unix)]
                let _ = Command::new("kill")
                    .args(["-KILL", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        if verbose {
            eprintln!(
                "    [cargo {} in {}: {:.1?}]",
                args.join(" "),
                self.dir.display(),
                start.elapsed()
            );
        }
        Ok(Output {
            success: status.is_some_and(|s| s.success()),
            stdout: t_out.join().unwrap_or_default(),
            stderr: t_err.join().unwrap_or_default(),
            timed_out,
        })
    }
}

fn test_prelude() -> &'static str {
    "#[macro_use]\n#[path = \"../support/support.rs\"]\nmod support;\n"
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// How a program failed.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The coroutine twin does not compile (the plain twin does): the first error.
    Compile { code: String, message: String },
    /// The test failed: the coroutine disagrees with its plain twin, or panicked.
    Runtime { message: String },
    /// The test ran too long.
    Hang,
}

impl Failure {
    /// Whether `other` is the same kind of failure (for shrinking).
    pub fn same_kind(&self, other: &Failure) -> bool {
        match (self, other) {
            (Failure::Compile { code: a, .. }, Failure::Compile { code: b, .. }) => a == b,
            (Failure::Runtime { message: a }, Failure::Runtime { message: b }) => {
                runtime_class(a) == runtime_class(b)
            }
            (Failure::Hang, Failure::Hang) => true,
            _ => false,
        }
    }
}

fn runtime_class(message: &str) -> &'static str {
    if message.contains("log of") {
        "log"
    } else if message.contains("return value") || message.contains("output of") {
        "value"
    } else if message.contains("polls") {
        "polls"
    } else {
        "panic"
    }
}

/// A program in one flavour, under a module name.
#[derive(Clone, Debug)]
pub struct Case {
    pub program: Program,
    pub flavour: Flavour,
    /// Which test file of the scratch crate holds it.
    pub slot: usize,
}

impl Case {
    fn flavours(&self) -> Flavours {
        Flavours {
            gen: self.flavour == Flavour::Gen,
            async_: self.flavour == Flavour::Async,
        }
    }
    /// The module holding the case in a scratch crate (both flavours of a program may share a
    /// file).
    fn module(&self) -> String {
        match self.flavour {
            Flavour::Gen => format!("{}_g", self.program.id),
            Flavour::Async => format!("{}_a", self.program.id),
        }
    }
    pub fn test_name(&self) -> String {
        match self.flavour {
            Flavour::Gen => format!("{}::g::generator", self.module()),
            Flavour::Async => format!("{}::a::async_", self.module()),
        }
    }
}

/// Result of checking a set of cases.
pub struct Checked {
    /// Cases whose plain twin is not valid Rust or panics (generator mistakes).
    pub invalid: Vec<(usize, String)>,
    /// Cases that fail.
    pub failures: Vec<(usize, Failure)>,
}

/// Test files `(name, contents)`.
type Files = Vec<(String, String)>;
/// `(file, first line, last line, case index)` of each case.
type Ranges = Vec<(String, usize, usize, usize)>;
/// Failing case index -> (error code, message).
type CompileErrors = BTreeMap<usize, (String, String)>;

/// Puts each case into the test file of its slot (`b<slot>`, or `q<slot>` for plain-only
/// builds), remembering line ranges. A case keeps its file when others are dropped, so
/// rebuilding after a failure recompiles only the files that changed.
fn layout(cases: &[Case], mode: Mode) -> (Files, Ranges) {
    let prefix = if mode == Mode::Full { "b" } else { "q" };
    let mut slots: Vec<usize> = cases.iter().map(|c| c.slot).collect();
    slots.sort_unstable();
    slots.dedup();
    let mut files = Vec::new();
    let mut ranges = Vec::new();
    for slot in slots {
        let name = format!("{prefix}{slot}");
        let mut text = format!("{}{}", emit::ALLOWS, test_prelude());
        for (i, c) in cases.iter().enumerate() {
            if c.slot != slot {
                continue;
            }
            text.push('\n');
            let start = text.lines().count() + 1;
            text.push_str(&emit::named_module(
                &c.module(),
                &c.program,
                mode,
                c.flavours(),
            ));
            let end = text.lines().count();
            ranges.push((format!("tests/{name}.rs"), start, end, i));
        }
        files.push((name, text));
    }
    (files, ranges)
}

/// `cargo test` arguments selecting the given test files.
fn targets(files: &[(String, String)]) -> Vec<String> {
    files
        .iter()
        .flat_map(|(n, _)| ["--test".to_string(), n.clone()])
        .collect()
}

/// `(file, line, code, message)` of each error in cargo's short-format output.
fn errors(stderr: &str) -> Vec<(String, usize, String, String)> {
    let mut out = Vec::new();
    for line in stderr.lines() {
        // tests/b0.rs:12:5: error[E0425]: cannot find value `x` in this scope
        let Some(pos) = line.find(": error") else {
            continue;
        };
        let loc = &line[..pos];
        let rest = &line[pos + 2..];
        let mut parts = loc.rsplitn(3, ':');
        let _col = parts.next();
        let ln = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
        let file = parts.next().unwrap_or("").to_string();
        let code = rest
            .strip_prefix("error[")
            .and_then(|r| r.split(']').next())
            .unwrap_or("")
            .to_string();
        let message = rest.split_once(": ").map_or(rest, |x| x.1).to_string();
        out.push((file, ln, code, message));
    }
    out
}

fn owner(ranges: &[(String, usize, usize, usize)], file: &str, line: usize) -> Option<usize> {
    ranges
        .iter()
        .find(|(f, s, e, _)| file.ends_with(f.as_str()) && (*s..=*e).contains(&line))
        .map(|r| r.3)
}

const BUILD_TIMEOUT: Duration = Duration::from_secs(1200);
const TEST_TIMEOUT: Duration = Duration::from_secs(150);

/// Builds `cases` in `mode`; gives the indices that fail to compile with their first error,
/// or `None` for errors that cannot be attributed to a case.
fn build(s: &Scratch, cases: &[Case], mode: Mode) -> Result<Option<CompileErrors>, String> {
    let (files, ranges) = layout(cases, mode);
    s.set_tests(&files)?;
    let mut args = vec!["test", "--no-run", "--quiet", "--message-format=short"];
    let t = targets(&files);
    args.extend(t.iter().map(String::as_str));
    let out = s.cargo(&args, BUILD_TIMEOUT)?;
    let mut failing = BTreeMap::new();
    if out.success {
        return Ok(Some(failing));
    }
    let errs = errors(&out.stderr);
    let foreign: Vec<String> = errs
        .iter()
        .filter(|e| !e.0.is_empty() && !e.0.starts_with("tests/") && !e.0.ends_with("support.rs"))
        .map(|e| format!("{}:{}: error[{}]: {}", e.0, e.1, e.2, e.3))
        .collect();
    if !foreign.is_empty() {
        return Err(format!(
            "the crates under test do not build (try --snapshot HEAD):\n{}",
            foreign.join("\n")
        ));
    }
    if errs.is_empty() {
        return Err(format!(
            "cargo failed without errors:\n{}",
            tail(&out.stderr, 40)
        ));
    }
    let mut unattributed = false;
    for (file, line, code, msg) in errs {
        if msg.starts_with("could not compile") || msg.starts_with("aborting") {
            continue;
        }
        match owner(&ranges, &file, line) {
            Some(i) => {
                failing.entry(i).or_insert((code, msg));
            }
            None => unattributed = true,
        }
    }
    if unattributed && failing.is_empty() {
        return Ok(None);
    }
    Ok(Some(failing))
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Compiles until the rest builds (removing failing cases), then runs the tests.
pub fn check(s: &Scratch, cases: &[Case]) -> Result<Checked, String> {
    let mut invalid = Vec::new();
    let mut failures = Vec::new();
    let mut alive: Vec<usize> = (0..cases.len()).collect();
    // 2. Build the coroutines, dropping the ones that do not compile.
    for _ in 0..6 {
        let subset: Vec<Case> = alive.iter().map(|&i| cases[i].clone()).collect();
        if subset.is_empty() {
            break;
        }
        match build(s, &subset, Mode::Full)? {
            Some(f) if f.is_empty() => break,
            Some(f) => {
                // Programs whose plain twin does not compile either are the generator's
                // mistakes, not the macro's.
                let failed: Vec<(usize, (String, String))> =
                    f.into_iter().map(|(k, e)| (alive[k], e)).collect();
                let subset: Vec<Case> = failed.iter().map(|(i, _)| cases[*i].clone()).collect();
                let plain = plain_errors(s, &subset)?;
                for (j, (i, (code, message))) in failed.into_iter().enumerate() {
                    match plain.get(&j) {
                        Some(m) => invalid.push((i, m.clone())),
                        None => failures.push((i, Failure::Compile { code, message })),
                    }
                    alive.retain(|&x| x != i);
                }
            }
            None => {
                if subset.len() == 1 {
                    failures.push((
                        alive[0],
                        Failure::Compile {
                            code: String::new(),
                            message: "unattributed compile error".into(),
                        },
                    ));
                    alive.clear();
                } else {
                    return bisect(s, cases, &alive, invalid, failures);
                }
            }
        }
    }
    // 3. Run.
    if alive.is_empty() {
        return Ok(Checked { invalid, failures });
    }
    let subset: Vec<Case> = alive.iter().map(|&i| cases[i].clone()).collect();
    let (files, _) = layout(&subset, Mode::Full);
    s.set_tests(&files)?;
    let mut args = vec!["test", "--quiet", "--no-fail-fast"];
    let t = targets(&files);
    args.extend(t.iter().map(String::as_str));
    args.extend(["--", "--test-threads=2"]);
    let out = s.cargo(&args, TEST_TIMEOUT)?;
    let by_name: BTreeMap<String, usize> =
        alive.iter().map(|&i| (cases[i].test_name(), i)).collect();
    if out.timed_out {
        // libtest names tests running for over 60 s.
        let mut found = false;
        for line in out.stdout.lines() {
            if let Some(rest) = line.strip_prefix("test ") {
                if let Some(name) = rest.split(" has been running").next() {
                    if let Some(&i) = by_name.get(name.trim()) {
                        failures.push((i, Failure::Hang));
                        found = true;
                    }
                }
            }
        }
        if !found {
            return Err("the tests timed out and no test was named as hanging".into());
        }
        return Ok(Checked { invalid, failures });
    }
    for (name, message) in test_failures(&out.stdout) {
        if let Some(&i) = by_name.get(&name) {
            if message.contains("INVALID PROGRAM") {
                invalid.push((i, message));
            } else {
                failures.push((i, Failure::Runtime { message }));
            }
        }
    }
    if !out.success && failures.is_empty() && invalid.is_empty() {
        return Err(format!(
            "cargo test failed but no test failed:\n{}\n{}",
            tail(&out.stdout, 30),
            tail(&out.stderr, 30)
        ));
    }
    Ok(Checked { invalid, failures })
}

/// Which of `cases` have a plain twin that does not compile (index -> error).
fn plain_errors(s: &Scratch, cases: &[Case]) -> Result<BTreeMap<usize, String>, String> {
    let mut out = BTreeMap::new();
    let mut alive: Vec<usize> = (0..cases.len()).collect();
    while !alive.is_empty() {
        let subset: Vec<Case> = alive.iter().map(|&i| cases[i].clone()).collect();
        match build(s, &subset, Mode::PlainOnly)? {
            Some(f) if f.is_empty() => break,
            Some(f) => {
                for (k, (code, msg)) in f {
                    out.insert(alive[k], format!("plain twin: error[{code}]: {msg}"));
                }
                alive.retain(|i| !out.contains_key(i));
            }
            None => {
                for &i in &alive {
                    out.insert(i, "plain twin: unattributed compile error".into());
                }
                break;
            }
        }
    }
    Ok(out)
}

/// Checks the two halves of `alive` separately (when errors cannot be attributed).
fn bisect(
    s: &Scratch,
    cases: &[Case],
    alive: &[usize],
    mut invalid: Vec<(usize, String)>,
    mut failures: Vec<(usize, Failure)>,
) -> Result<Checked, String> {
    let (a, b) = alive.split_at(alive.len() / 2);
    for part in [a, b] {
        let sub: Vec<Case> = part.iter().map(|&i| cases[i].clone()).collect();
        let r = check(s, &sub)?;
        invalid.extend(r.invalid.into_iter().map(|(i, m)| (part[i], m)));
        failures.extend(r.failures.into_iter().map(|(i, f)| (part[i], f)));
    }
    Ok(Checked { invalid, failures })
}

/// `(test name, panic message)` of every failed test in libtest's output.
fn test_failures(stdout: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("---- ") {
            if let Some(name) = rest.strip_suffix(" stdout ----") {
                if let Some(c) = cur.take() {
                    out.push(c);
                }
                cur = Some((name.to_string(), String::new()));
                continue;
            }
        }
        if line.starts_with("failures:") || line.starts_with("test result:") {
            if let Some(c) = cur.take() {
                out.push(c);
            }
            continue;
        }
        if let Some((_, msg)) = &mut cur {
            if msg.len() < 4000 {
                msg.push_str(line);
                msg.push('\n');
            }
        }
    }
    if let Some(c) = cur.take() {
        out.push(c);
    }
    out
}

/// Prints a case's program (one flavour) as a test module.
pub fn render(case: &Case) -> String {
    emit::program_module(&case.program, Mode::Full, case.flavours())
}

/// The full compiler output for a single case (for the report).
pub fn full_errors(s: &Scratch, case: &Case) -> Result<String, String> {
    let mut case = case.clone();
    case.slot = 9999;
    let (files, _) = layout(std::slice::from_ref(&case), Mode::Full);
    s.set_tests(&files)?;
    let mut args = vec!["test", "--no-run", "--quiet"];
    let t = targets(&files);
    args.extend(t.iter().map(String::as_str));
    let out = s.cargo(&args, BUILD_TIMEOUT)?;
    let text: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.starts_with("warning: unused") && !l.contains("Compiling"))
        .collect();
    Ok(tail(&text.join("\n"), 60))
}

/// `difftest run`.
pub fn run(opts: &RunOpts) -> Result<(), String> {
    println!(
        "difftest run: seed {} ({} programs, {}, batches of {})",
        opts.seed,
        opts.count,
        if opts.both {
            "each in both flavours"
        } else {
            "alternating generator and async flavour"
        },
        opts.batch
    );
    println!(
        "  reproduce with: cargo run -p difftest -- run --seed {} --count {}",
        opts.seed, opts.count
    );
    let mut cfg = Config::new(Features::all());
    cfg.stmts.1 *= opts.size;
    cfg.suspends.1 *= opts.size;
    let s = Scratch::new("run")?;
    let started = Instant::now();
    let mut all_failures: Vec<(Case, Failure)> = Vec::new();
    let mut invalid_total = 0usize;
    let mut batch_errors = 0;
    let mut start = opts.start;
    while start < opts.count {
        let end = (start + opts.batch).min(opts.count);
        let mut cases = Vec::new();
        for i in start..end {
            let p = gen::program(opts.seed, i, &cfg);
            let flavours: &[Flavour] = if opts.both {
                &[Flavour::Gen, Flavour::Async]
            } else if i % 2 == 0 {
                &[Flavour::Gen]
            } else {
                &[Flavour::Async]
            };
            for &flavour in flavours {
                cases.push(Case {
                    program: p.clone(),
                    flavour,
                    slot: ((i - start) / 25) as usize,
                });
            }
        }
        let t = Instant::now();
        let r = match check(&s, &cases) {
            Ok(r) => r,
            Err(e) => {
                println!("  programs {start}..{end}: could not be checked: {e}");
                batch_errors += 1;
                start = end;
                continue;
            }
        };
        invalid_total += r.invalid.len();
        for (i, m) in &r.invalid {
            eprintln!(
                "  (generator produced an invalid program {}: {})",
                cases[*i].test_name(),
                m.lines().next().unwrap_or("")
            );
        }
        for (i, f) in &r.failures {
            println!(
                "  FAIL {} (seed {}, program {}): {}",
                cases[*i].test_name(),
                opts.seed,
                &cases[*i].program.id[1..],
                short(f)
            );
            all_failures.push((cases[*i].clone(), f.clone()));
        }
        println!(
            "  programs {start}..{end}: {} failing, {} invalid ({:.0?}, total {:.0?})",
            r.failures.len(),
            r.invalid.len(),
            t.elapsed(),
            started.elapsed()
        );
        start = end;
    }
    println!(
        "\n{} programs ({} tests): {} failures, {} invalid programs, {:.0?}",
        opts.count,
        if opts.both {
            2 * opts.count
        } else {
            opts.count
        },
        all_failures.len(),
        invalid_total,
        started.elapsed()
    );
    if batch_errors > 0 {
        println!("{batch_errors} batches could not be checked");
    }
    if all_failures.is_empty() {
        return if batch_errors > 0 {
            Err(format!("{batch_errors} batches could not be checked"))
        } else {
            Ok(())
        };
    }
    // Shrink a few failures, one of each kind of failure first.
    let mut picked: Vec<(Case, Failure)> = Vec::new();
    for (c, f) in &all_failures {
        if picked.len() < opts.max_shrinks && !picked.iter().any(|(_, g)| g.same_kind(f)) {
            picked.push((c.clone(), f.clone()));
        }
    }
    for (case, failure) in picked {
        println!(
            "\n=== {} (seed {}): {}",
            case.test_name(),
            opts.seed,
            short(&failure)
        );
        let (small, f) = if opts.shrink {
            crate::shrink::shrink(&case, &failure)?
        } else {
            (case.clone(), failure.clone())
        };
        println!("smallest failing program found:\n\n{}", render(&small));
        match &f {
            Failure::Compile { .. } => {
                let sh = Scratch::new("shrink")?;
                println!("compiler output:\n{}", full_errors(&sh, &small)?);
            }
            Failure::Runtime { message } => println!("test output:\n{message}"),
            Failure::Hang => println!("the test hangs"),
        }
    }
    Err(format!("{} failing programs", all_failures.len()))
}

/// One line about a failure.
pub fn short(f: &Failure) -> String {
    match f {
        Failure::Compile { code, message } => format!("compile error[{code}]: {message}"),
        Failure::Runtime { message } => {
            let m: Vec<&str> = message
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("note:"))
                .take(2)
                .collect();
            format!("runtime: {}", m.join(" / "))
        }
        Failure::Hang => "hangs".into(),
    }
}

//! A throwaway PostgreSQL cluster for the tests: `initdb` into a temporary directory, the server
//! on a free port on 127.0.0.1 (and its socket in that directory), stopped and deleted on drop.
//! Debian's `postgresql` package provides the binaries (`cargo xtask setup` installs it where it
//! is missing). `initdb` refuses to run as root, so under root the cluster runs as `nobody`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running cluster; stopped when dropped.
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_nobody: bool,
    _dir: tempfile::TempDir,
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`.
fn binaries() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `cargo xtask \
             setup`, which installs Debian's postgresql package"
        )
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn check(what: &str, out: Output) -> Output {
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Cluster {
    /// Starts a new cluster with a `relay` superuser and trust authentication on loopback,
    /// without fsync (the tests kill relays, not the machine).
    pub fn start() -> Cluster {
        Cluster::start_with(false)
    }

    /// Like [`Cluster::start`], syncing every commit to disk as a production server does (the
    /// performance report measures durable writes).
    pub fn start_durable() -> Cluster {
        Cluster::start_with(true)
    }

    fn start_with(fsync: bool) -> Cluster {
        let bin = binaries();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let as_nobody = is_root();
        if as_nobody {
            // `nobody` must be able to reach and own the directory.
            check(
                "chown",
                Command::new("chown")
                    .args(["-R", "nobody:nogroup"])
                    .arg(dir.path())
                    .output()
                    .unwrap(),
            );
        }
        let cluster = Cluster {
            bin,
            data,
            port: free_port(),
            as_nobody,
            _dir: dir,
        };
        check(
            "initdb",
            cluster
                .command("initdb")
                .args([
                    "--username=relay",
                    "--auth=trust",
                    "--no-sync",
                    "--encoding=UTF8",
                ])
                .arg("-D")
                .arg(&cluster.data)
                .output()
                .unwrap(),
        );
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c fsync={}",
            cluster.port,
            cluster.data.display(),
            if fsync { "on" } else { "off" }
        );
        check(
            "pg_ctl start",
            cluster
                .command("pg_ctl")
                .args(["start", "--wait", "--silent", "-D"])
                .arg(&cluster.data)
                .args(["-o", &options, "-l"])
                .arg(cluster.data.join("server.log"))
                .output()
                .unwrap(),
        );
        cluster
    }

    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if self.as_nobody {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
                .arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL for database `db` as the `relay` superuser.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://relay@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs `sql` with psql against database `db`; answers the unaligned, tuples-only output.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = check(
            "psql",
            self.command("psql")
                .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
                .args(["-d", &self.url(db), "-c", sql])
                .output()
                .unwrap(),
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The data directory.
    pub fn data(&self) -> &Path {
        &self.data
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["stop", "--wait", "--silent", "-m", "immediate", "-D"])
            .arg(&self.data)
            .output();
    }
}

//! The throwaway PostgreSQL cluster that the PostgreSQL backend's tests run on (issue: the relay
//! on PostgreSQL). Never skipped: without PostgreSQL this fails and says how to install it.

mod common;

use common::postgres::Cluster;

#[test]
fn a_throwaway_cluster_starts_answers_and_is_gone_after_the_test() {
    let cluster = Cluster::start();
    assert_eq!(cluster.psql("postgres", "SELECT 1"), "1");
    cluster.psql("postgres", "CREATE DATABASE relay");
    // The relay's search needs trigram indexes, as SQLite's FTS5 trigram table gives it.
    cluster.psql("relay", "CREATE EXTENSION pg_trgm");
    assert_eq!(
        cluster.psql(
            "relay",
            "SELECT similarity('Андрей Иванов', 'Андрей Иванов')"
        ),
        "1"
    );
    assert_eq!(
        cluster.psql("relay", "SHOW listen_addresses"),
        "127.0.0.1",
        "loopback only"
    );
    let (port, data) = (cluster.port(), cluster.data().to_owned());
    drop(cluster);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server stopped"
    );
    assert!(!data.exists(), "its files are gone");
}

//! The conformance suite on PostgreSQL, each test on its own new database. Skipped
//! unless `CPNIGUARD_TEST_POSTGRES_URL` names a server, for example
//! `postgres://postgres@127.0.0.1:5432/postgres`.

use cpniguard_store::testing::fresh_postgres;

cpniguard_store::conformance_suite!(fresh_postgres);

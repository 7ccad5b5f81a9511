//! The database behind the repository: SQLite (the embedded default, one file) or PostgreSQL,
//! picked by the URL. Queries go through sqlx's `Any` driver, written once with `?`
//! placeholders; [`Db::sql`] turns them into `$1, $2…` for PostgreSQL. Each back end has its own
//! migrations (types and identity columns differ), embedded in the binary.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, AssertSqlSafe, Executor};
use std::borrow::Cow;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    /// The statement in this back end's placeholder style: `?` stays for SQLite and becomes
    /// `$1, $2…` for PostgreSQL. Our statements never hold a `?` inside a string literal.
    pub fn sql<'a>(&self, statement: &'a str) -> Cow<'a, str> {
        match self {
            Backend::Sqlite => Cow::Borrowed(statement),
            Backend::Postgres => {
                let mut out = String::with_capacity(statement.len() + 8);
                let mut n = 0;
                for c in statement.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                Cow::Owned(out)
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// What the server is started with when no URL is given: a file beside the working directory.
pub const DEFAULT_URL: &str = "sqlite://ringup-server.db";

impl Db {
    /// Opens (creating a SQLite file if needed) and migrates. `sqlite://PATH`, `sqlite::memory:`
    /// or `postgres://…`.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        let db = Db::connect_unmigrated(url).await?;
        match db.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&db.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&db.pool).await?,
        }
        Ok(db)
    }

    /// Opens without touching the schema (to create a test schema, say).
    pub async fn connect_unmigrated(url: &str) -> anyhow::Result<Db> {
        install_default_drivers();
        let (backend, url) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, Cow::Borrowed(url))
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            // Create the file if it is missing, unless the URL says otherwise.
            let sep = if rest.contains('?') { '&' } else { '?' };
            let url = if rest.contains("mode=") { url.to_string() } else { format!("{url}{sep}mode=rwc") };
            (Backend::Sqlite, Cow::Owned(url))
        } else {
            anyhow::bail!("{url:?} is not a database URL: use sqlite://FILE or postgres://USER@HOST/DB");
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let pool = match backend {
            // One connection: SQLite has one writer, and a second connection would only wait
            // for its lock (or fail to upgrade a read into a write). WAL and a busy wait for
            // the admin CLI working on the same file.
            Backend::Sqlite => {
                options
                    .max_connections(1)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => options.max_connections(16).connect(&url).await?,
        };
        Ok(Db { pool, backend })
    }

    /// Runs a statement as it is (no placeholders, no rows back).
    pub async fn execute_raw(&self, statement: &str) -> anyhow::Result<()> {
        self.pool.execute(AssertSqlSafe(statement.to_string())).await?;
        Ok(())
    }

    /// The statement in this back end's placeholder style (see [`Backend::sql`]). Statements
    /// are our own text: values always go in as bound parameters, never formatted in, which is
    /// what makes asserting them safe for sqlx.
    pub fn sql(&self, statement: impl Into<Cow<'static, str>>) -> AssertSqlSafe<Cow<'static, str>> {
        let statement = statement.into();
        AssertSqlSafe(match self.backend {
            Backend::Sqlite => statement,
            Backend::Postgres => Cow::Owned(self.backend.sql(&statement).into_owned()),
        })
    }

    /// ` FOR UPDATE` where the back end has row locks (PostgreSQL); SQLite's single writer
    /// serialises anyway.
    pub fn for_update(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE",
        }
    }

    /// ` FOR UPDATE OF table` (PostgreSQL): lock only that table's rows of a join.
    pub fn for_update_of(&self, table: &str) -> String {
        match self.backend {
            Backend::Sqlite => String::new(),
            Backend::Postgres => format!(" FOR UPDATE OF {table}"),
        }
    }
}

/// `(?, ?, …), (?, ?, …), …`: `rows` groups of `columns` placeholders.
pub(crate) fn values(rows: usize, columns: usize) -> String {
    let one = format!("({})", vec!["?"; columns].join(", "));
    vec![one; rows].join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let sql = "UPDATE t SET a = ? WHERE b = ? AND c = ?";
        assert_eq!(Backend::Sqlite.sql(sql), sql);
        assert_eq!(Backend::Postgres.sql(sql), "UPDATE t SET a = $1 WHERE b = $2 AND c = $3");
    }
}

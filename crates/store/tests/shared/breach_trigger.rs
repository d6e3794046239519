//! Migration 0020 hit with raw SQL, as a writer other than the store would: the same
//! statements on both backends (SQLite's pool and PostgreSQL's are different types).

/// Moving a breach record's retain-until date earlier is refused by the trigger; the
/// same date, a later one, or another column changed is accepted. `$pool`: a pool on a
/// migrated database.
macro_rules! breach_retention_only_moves_later {
    ($pool:expr) => {{
        let pool = $pool;
        let id = uuid::Uuid::new_v4();
        sqlx::query(
            "INSERT INTO breach_incidents (id, version, state, retain_until, record) \
             VALUES ($1, 1, 'notified', '2028-06-30', '{}')",
        )
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
        let set = |date: &'static str| {
            sqlx::query("UPDATE breach_incidents SET retain_until = $2 WHERE id = $1")
                .bind(id)
                .bind(date)
                .execute(&pool)
        };
        let refused = set("2028-06-29").await.unwrap_err().to_string();
        assert!(refused.contains("only moves later"), "{refused}");
        let refused = set("2020-01-01").await.unwrap_err().to_string();
        assert!(refused.contains("only moves later"), "{refused}");
        let retained = || sqlx::query_scalar::<_, String>("SELECT retain_until FROM breach_incidents").fetch_one(&pool);
        assert_eq!(retained().await.unwrap(), "2028-06-30", "a refused update changes nothing");
        assert_eq!(set("2028-06-30").await.unwrap().rows_affected(), 1, "the same date");
        assert_eq!(set("2030-01-01").await.unwrap().rows_affected(), 1, "a later date");
        assert_eq!(retained().await.unwrap(), "2030-01-01");
        let other =
            sqlx::query("UPDATE breach_incidents SET state = 'closed', version = 2").execute(&pool).await.unwrap();
        assert_eq!(other.rows_affected(), 1, "columns other than retain_until are not the trigger's");
        let back = set("2028-06-30").await.unwrap_err().to_string();
        assert!(back.contains("only moves later"), "not back to the first date either: {back}");
    }};
}

//! Writing an export of the audit chain, page by page, for `cpniguard audit export`
//! and `GET /api/v1/audit/export` alike.
//!
//! So that an export verifies on its own, its entries are a contiguous run of seqs
//! that starts right after the last checkpoint before the range and ends at the first
//! checkpoint at or after the range's last entry, when one exists: it may hold a few
//! entries outside the range. Its last line is the signed statement of what it holds
//! ([`ExportStatement`]), so a file cut anywhere — after the last checkpoint, or back
//! to an earlier one — no longer verifies. What the export holds is fixed when it
//! starts: entries appended while it is written are not in it.

use chrono::{DateTime, Utc};
use cpniguard_core::audit::{Checkpoint, ExportLine, ExportStatement, ExportTally, SigningKey, hex};
use cpniguard_store::audit::AuditQuery;
use cpniguard_store::{MAX_PAGE, Store, StoreResult};
use std::sync::Arc;

/// An export being written: [`ExportPager::next_lines`] hands out its lines in file
/// order, a page of entries at a time, the statement last.
pub struct ExportPager {
    store: Arc<dyn Store>,
    key: Arc<SigningKey>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    at: DateTime<Utc>,
    /// The public key and the checkpoints, until handed out.
    opening: Option<Vec<ExportLine>>,
    /// The seqs still to write, inclusive; empty when the range holds no entry.
    next: u64,
    end: u64,
    tally: ExportTally,
    sealed: bool,
}

impl ExportPager {
    /// Plan an export of the entries made in `[from, to)`, sealed with `key` as made at
    /// `at`.
    pub async fn start(
        store: Arc<dyn Store>,
        key: Arc<SigningKey>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<Self> {
        let mut opening = vec![ExportLine::PublicKey { key: hex(key.verifying_key().as_bytes()) }];
        let (next, end) = match seqs_in(&*store, from, to).await? {
            Some((first, last)) => {
                let before = store.audit_checkpoints(0, first - 1).await?.pop();
                // Without a checkpoint before the range, the export starts where the chain does.
                let start = before.as_ref().map_or(1, |c| c.seq + 1);
                let end = store.audit_checkpoints(last, i64::MAX as u64).await?.first().map_or(last, |c| c.seq);
                let mut checkpoints: Vec<Checkpoint> = before.into_iter().collect();
                checkpoints.extend(store.audit_checkpoints(start, end).await?);
                opening.extend(checkpoints.into_iter().map(ExportLine::Checkpoint));
                (start, end)
            }
            None => (1, 0),
        };
        Ok(Self {
            store,
            key,
            from,
            to,
            at,
            opening: Some(opening),
            next,
            end,
            tally: ExportTally::default(),
            sealed: false,
        })
    }

    /// The next lines of the file; `None` after the statement.
    pub async fn next_lines(&mut self) -> StoreResult<Option<Vec<ExportLine>>> {
        if let Some(opening) = self.opening.take() {
            return Ok(Some(opening));
        }
        if self.next <= self.end {
            let page = self.store.audit_entries(self.next, MAX_PAGE).await?;
            let lines: Vec<ExportLine> = page
                .into_iter()
                .take_while(|e| e.seq <= self.end)
                .inspect(|e| self.tally.add(e))
                .map(|e| ExportLine::Entry(Box::new(e)))
                .collect();
            // An empty page means the chain ends early (pruned meanwhile): the
            // statement then says what was written, and the file still verifies.
            self.next = match self.tally.last_seq {
                Some(last) if !lines.is_empty() => last + 1,
                _ => self.end + 1,
            };
            if !lines.is_empty() {
                return Ok(Some(lines));
            }
        }
        if self.sealed {
            return Ok(None);
        }
        self.sealed = true;
        let statement = ExportStatement::sign(self.from, self.to, &self.tally, self.at, &self.key);
        Ok(Some(vec![ExportLine::Statement(statement)]))
    }

    /// How many entries have been handed out so far.
    pub fn entries(&self) -> u64 {
        self.tally.entries
    }
}

/// The first and last seq of the entries made in `[from, to)`.
async fn seqs_in(store: &dyn Store, from: DateTime<Utc>, to: DateTime<Utc>) -> StoreResult<Option<(u64, u64)>> {
    let mut query = AuditQuery { from: Some(from), to: Some(to), limit: MAX_PAGE, ..AuditQuery::default() };
    let (mut first, mut last) = (None, None);
    loop {
        let page = store.search_audit(&query).await?;
        first = first.or(page.entries.first().map(|e| e.seq));
        last = page.entries.last().map(|e| e.seq).or(last);
        match page.next_after {
            Some(after) => query.after_seq = Some(after),
            None => break,
        }
    }
    Ok(first.zip(last))
}

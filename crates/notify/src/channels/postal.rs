//! Letters for the mail house: one PDF per letter, `spool_dir/YYYY-MM-DD/{notice id}.pdf`,
//! and a manifest per day, `spool_dir/YYYY-MM-DD/manifest.csv` (RFC 4180, UTF-8, a
//! header row), listing where each letter goes. The mail house collects a day's
//! directory; the notice counts as sent once its letter and row are in the spool.
//!
//! A file appears complete or not at all (written aside, then renamed), and a retry after
//! a crash does not list the same letter twice in a day's manifest.

use super::{Delivered, DeliveryError};
use crate::config::CarrierInfo;
use crate::pdf::{self, Line, PAGE_HEIGHT, PAGE_WIDTH};
use crate::render::{Rendered, date_in_words};
use chrono::{DateTime, Utc};
use cpniguard_core::account::{Language, PostalAddress};
use cpniguard_core::notice::{Notice, NoticeId};
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const MANIFEST: &str = "manifest.csv";
pub const MANIFEST_HEADER: [&str; 11] =
    ["notice_id", "name", "line1", "line2", "city", "state", "zip", "country", "language", "pages", "file"];

const MARGIN: f32 = 72.0;
const BODY_SIZE: f32 = 11.0;
const LEADING: f32 = 15.0;

pub struct PostalSpool {
    dir: PathBuf,
    /// The return address printed at the top of each letter.
    sender: [String; 2],
    /// Serialises manifest appends from this process; appends from other processes
    /// are single `O_APPEND` writes of one whole row.
    manifest: Arc<Mutex<()>>,
}

impl PostalSpool {
    pub fn new(dir: impl Into<PathBuf>, carrier: &CarrierInfo) -> Self {
        Self {
            dir: dir.into(),
            sender: [carrier.name.clone(), carrier.privacy_postal_address.clone()],
            manifest: Arc::default(),
        }
    }

    pub(crate) async fn write_letter(
        &self,
        notice: &Notice,
        name: &str,
        address: &PostalAddress,
        rendered: &Rendered,
        now: DateTime<Utc>,
    ) -> Result<Delivered, DeliveryError> {
        let pages = layout(&self.sender, name, address, rendered, notice.language, now);
        let pdf = pdf::document(&pages);
        let day = now.format("%Y-%m-%d").to_string();
        let file = format!("{}.pdf", notice.id);
        let row = manifest_row(notice.id, name, address, notice.language, pages.len(), &file);
        let dir = self.dir.join(&day);
        let lock = Arc::clone(&self.manifest);
        let id = notice.id;
        tokio::task::spawn_blocking(move || spool(&dir, id, &file, &pdf, &row, &lock))
            .await
            .map_err(|_| DeliveryError::new("writing the letter was interrupted"))?
            .map_err(|e| DeliveryError::new(format!("cannot write to the postal spool: {}", e.kind())))?;
        Ok(Delivered { provider_message_id: Some(format!("{day}/{}.pdf", notice.id)) })
    }
}

fn spool(dir: &Path, id: NoticeId, file: &str, pdf: &[u8], row: &str, lock: &Mutex<()>) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let path = dir.join(file);
    // A letter already spooled means an earlier attempt got this far; its manifest row
    // may or may not have been written before that attempt stopped.
    let retried = path.exists();
    write_whole(&path, pdf)?;
    let _guard = lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let manifest = dir.join(MANIFEST);
    create_with_header(&manifest)?;
    let prefix = format!("{id},");
    if retried && fs::read_to_string(&manifest)?.lines().any(|l| l.starts_with(&prefix)) {
        return Ok(());
    }
    OpenOptions::new().append(true).open(&manifest)?.write_all(row.as_bytes())
}

/// Writes aside and renames, so a reader never sees half a file.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("letter");
    let temp = path.with_file_name(format!(".{name}.{:08x}.tmp", rand::random::<u32>()));
    fs::write(&temp, bytes)?;
    fs::rename(&temp, path).inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })
}

/// Creates the manifest holding only its header, unless it exists. Linking a complete
/// file into place is atomic, so no process ever appends to a manifest without header.
fn create_with_header(manifest: &Path) -> std::io::Result<()> {
    if manifest.exists() {
        return Ok(());
    }
    let temp = manifest.with_file_name(format!(".{MANIFEST}.{:08x}.tmp", rand::random::<u32>()));
    fs::write(&temp, csv_row(MANIFEST_HEADER))?;
    let linked = fs::hard_link(&temp, manifest);
    fs::remove_file(&temp)?;
    match linked {
        Err(e) if e.kind() != ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

fn manifest_row(id: NoticeId, name: &str, a: &PostalAddress, language: Language, pages: usize, file: &str) -> String {
    let (id, pages) = (id.to_string(), pages.to_string());
    csv_row([
        id.as_str(),
        name,
        &a.line1,
        a.line2.as_deref().unwrap_or_default(),
        &a.city,
        &a.state,
        &a.zip,
        &a.country,
        language.as_str(),
        pages.as_str(),
        file,
    ])
}

/// One CSV record (RFC 4180): fields with a comma, quote or line break are quoted,
/// quotes doubled; CRLF at the end.
pub fn csv_row<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = fields
        .into_iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) || f.starts_with(' ') || f.ends_with(' ') {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.to_owned()
            }
        })
        .collect();
    format!("{}\r\n", quoted.join(","))
}

/// The address block as printed: name, street lines, "City, ST ZIP", and the country
/// when it is not the US.
fn address_lines(name: &str, a: &PostalAddress) -> Vec<String> {
    let mut lines = vec![name.to_owned(), a.line1.clone()];
    lines.extend(a.line2.iter().filter(|l| !l.trim().is_empty()).cloned());
    lines.push(format!("{}, {} {}", a.city, a.state, a.zip));
    if a.country != "US" {
        lines.push(a.country.clone());
    }
    lines
}

/// The letter on US Letter pages: return address, the recipient's block where a #10
/// window envelope shows it, the date, the subject in bold, then the body wrapped to
/// the margins, continued on further pages as needed.
fn layout(
    sender: &[String; 2],
    name: &str,
    address: &PostalAddress,
    rendered: &Rendered,
    language: Language,
    now: DateTime<Utc>,
) -> Vec<Vec<Line>> {
    let at = |y: f32, size: f32, bold: bool, text: &str| Line { x: MARGIN, y, size, bold, text: text.to_owned() };
    let mut page = vec![at(PAGE_HEIGHT - 54.0, 12.0, true, &sender[0]), at(PAGE_HEIGHT - 68.0, 9.0, false, &sender[1])];
    let mut y = PAGE_HEIGHT - 162.0;
    for line in address_lines(name, address) {
        page.push(at(y, BODY_SIZE, false, &line));
        y -= LEADING;
    }
    y = y.min(PAGE_HEIGHT - 270.0);
    page.push(at(y, BODY_SIZE, false, &date_in_words(now, language)));
    y -= 2.0 * LEADING;
    for line in wrap(&rendered.subject, 12.0, true) {
        page.push(at(y, 12.0, true, &line));
        y -= LEADING;
    }
    y -= LEADING;
    let mut pages = Vec::new();
    for paragraph in rendered.text.split("\n\n") {
        for line in paragraph.lines().flat_map(|l| wrap(l, BODY_SIZE, false)) {
            if y < MARGIN {
                pages.push(std::mem::take(&mut page));
                y = PAGE_HEIGHT - MARGIN;
            }
            page.push(at(y, BODY_SIZE, false, &line));
            y -= LEADING;
        }
        y -= LEADING;
    }
    pages.push(page);
    pages
}

/// Greedy word wrap to the printable width.
fn wrap(text: &str, size: f32, bold: bool) -> Vec<String> {
    pdf::wrap(text, size, bold, PAGE_WIDTH - 2.0 * MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(
            csv_row(["a", "b c", "d,e", "say \"hi\"", "x\ny", " pad"]),
            "a,b c,\"d,e\",\"say \"\"hi\"\"\",\"x\ny\",\" pad\"\r\n"
        );
    }

    #[test]
    fn long_text_wraps_within_the_margins_and_onto_more_pages() {
        let long = "palabra ".repeat(40);
        let lines = wrap(&long, BODY_SIZE, false);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| pdf::text_width(l, BODY_SIZE, false) <= PAGE_WIDTH - 2.0 * MARGIN));
        let rendered = Rendered {
            subject: "Asunto".into(),
            text: vec![long; 30].join("\n\n"),
            html: String::new(),
            sms: String::new(),
            voice: String::new(),
        };
        let address = PostalAddress {
            line1: "1 Elm St".into(),
            line2: Some("Apt 2".into()),
            city: "Ogden".into(),
            state: "UT".into(),
            zip: "84401".into(),
            country: "MX".into(),
        };
        let pages = layout(&["C".into(), "A".into()], "Rosa", &address, &rendered, Language::Es, Utc::now());
        assert!(pages.len() > 1);
        assert!(pages.iter().flatten().all(|l| l.y >= MARGIN - LEADING && l.y <= PAGE_HEIGHT));
        assert!(pages[0].iter().any(|l| l.text == "MX"), "a foreign country is printed");
    }
}

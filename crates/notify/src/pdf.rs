//! A minimal PDF 1.4 writer for letters: pages of positioned text lines in Helvetica and
//! Helvetica-Bold (standard fonts every reader has, so nothing is embedded) with
//! WinAnsiEncoding, which covers Spanish (á é í ó ú ñ ü ¿ ¡). No PDF library at run time:
//! this is the whole format we need, and it is small enough to check by eye.

/// US Letter, in points.
pub(crate) const PAGE_WIDTH: f32 = 612.0;
pub(crate) const PAGE_HEIGHT: f32 = 792.0;

/// One line of text at a position (points from the bottom-left corner).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub bold: bool,
    pub text: String,
}

/// The PDF file for `pages` (at least one page is written, possibly blank).
pub(crate) fn document(pages: &[Vec<Line>]) -> Vec<u8> {
    let page_count = pages.len().max(1);
    // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, then a page and its content
    // stream for each page.
    let page_id = |i: usize| 5 + 2 * i;
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {page_count} >>",
            (0..page_count).map(|i| format!("{} 0 R", page_id(i))).collect::<Vec<_>>().join(" ")
        )
        .into_bytes(),
        font("Helvetica"),
        font("Helvetica-Bold"),
    ];
    for i in 0..page_count {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                page_id(i) + 1
            )
            .into_bytes(),
        );
        let content = content_stream(pages.get(i).map(Vec::as_slice).unwrap_or_default());
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(&content);
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }

    // A binary comment after the header tells transfer tools the file is binary.
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    // Each cross-reference entry is exactly 20 bytes, ending in space + newline.
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

fn font(name: &str) -> Vec<u8> {
    format!("<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>").into_bytes()
}

fn content_stream(lines: &[Line]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        let font = if line.bold { "F2" } else { "F1" };
        out.extend_from_slice(format!("BT /{font} {} Tf {} {} Td (", line.size, line.x, line.y).as_bytes());
        out.extend_from_slice(&string_literal(&line.text));
        out.extend_from_slice(b") Tj ET\n");
    }
    out
}

/// The inside of a PDF string literal in WinAnsiEncoding. Bytes outside printable
/// ASCII are written as octal escapes so the content stream stays 7-bit.
fn string_literal(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for byte in text.chars().map(win_ansi) {
        match byte {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', byte]),
            0x20..=0x7E => out.push(byte),
            _ => out.extend_from_slice(format!("\\{byte:03o}").as_bytes()),
        }
    }
    out
}

/// The WinAnsiEncoding (Windows-1252) byte for `c`; `?` when it has none.
fn win_ansi(c: char) -> u8 {
    const HIGH: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('\u{2018}', 0x91),
        ('\u{2019}', 0x92),
        ('\u{201C}', 0x93),
        ('\u{201D}', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    match u32::from(c) {
        0x20..=0x7E | 0xA0..=0xFF => c as u8,
        _ => HIGH.iter().find(|(h, _)| *h == c).map_or(b'?', |&(_, b)| b),
    }
}

/// Helvetica advance widths (thousandths of the font size) of printable ASCII, from
/// the font's AFM metrics, for wrapping lines to the page.
const HELVETICA_ASCII: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p to ~
];

/// The width of `text` in points. Letters outside ASCII count as wide ones (556, or
/// 611 in bold, which is slightly wider), so wrapping errs towards shorter lines.
pub(crate) fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match u32::from(c) {
            code @ 0x20..=0x7E => u32::from(HELVETICA_ASCII[(code - 0x20) as usize]),
            _ => 556,
        })
        .sum();
    let scale = if bold { 1.1 } else { 1.0 };
    units as f32 * scale * size / 1000.0
}

/// Greedy word wrap of `text` to lines no wider than `width` points.
pub(crate) fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() { word.to_owned() } else { format!("{current} {word}") };
        if !current.is_empty() && text_width(&candidate, size, bold) > width {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// A piece of a flowing document: a heading (bold) or a paragraph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
}

/// A PDF of `blocks` flowed top to bottom over as many US Letter pages as they need,
/// with one-inch margins (reports such as the annual certification).
pub fn flowing_document(blocks: &[Block]) -> Vec<u8> {
    const MARGIN: f32 = 72.0;
    const LEADING: f32 = 15.0;
    let width = PAGE_WIDTH - 2.0 * MARGIN;
    let mut pages = Vec::new();
    let mut page = Vec::new();
    let mut y = PAGE_HEIGHT - MARGIN;
    for block in blocks {
        let (text, size, bold) = match block {
            Block::Heading(t) => (t, 13.0, true),
            Block::Paragraph(t) => (t, 10.5, false),
        };
        // A heading keeps at least two lines of what follows on its page.
        let needed = if bold { 3.0 * LEADING } else { LEADING };
        for line in wrap(text, size, bold, width) {
            if y - needed < MARGIN {
                pages.push(std::mem::take(&mut page));
                y = PAGE_HEIGHT - MARGIN;
            }
            page.push(Line { x: MARGIN, y, size, bold, text: line });
            y -= LEADING;
        }
        y -= LEADING / 2.0;
    }
    pages.push(page);
    document(&pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> Line {
        Line { x: 72.0, y: 700.0, size: 11.0, bold: false, text: text.to_owned() }
    }

    #[test]
    fn cross_reference_offsets_point_at_their_objects() {
        let pdf = document(&[vec![line("Hola (señora) \\ Díaz")], vec![line("página 2")]]);
        assert!(pdf.starts_with(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n"));
        // Everything after the binary comment is ASCII.
        let text = std::str::from_utf8(&pdf[15..]).unwrap();
        let xref_at: usize = text.rsplit("startxref\n").next().unwrap().lines().next().unwrap().parse().unwrap();
        assert!(pdf[xref_at..].starts_with(b"xref\n0 9\n0000000000 65535 f \n"));
        let entries = std::str::from_utf8(&pdf[xref_at..]).unwrap().lines().skip(3).take(8);
        for (i, entry) in entries.enumerate() {
            let offset: usize = entry[..10].parse().unwrap();
            assert!(pdf[offset..].starts_with(format!("{} 0 obj\n", i + 1).as_bytes()), "object {}", i + 1);
        }
        assert!(text.contains("/Count 2") && text.ends_with("%%EOF\n"));
        assert!(text.contains("(Hola \\(se\\361ora\\) \\\\ D\\355az) Tj"));
    }

    #[test]
    fn text_is_escaped_and_encoded_in_win_ansi() {
        assert_eq!(string_literal("a(b)c\\"), b"a\\(b\\)c\\\\");
        assert_eq!(string_literal("Díaz ñ ¿"), b"D\\355az \\361 \\277");
        assert_eq!(string_literal("€ — 漢"), b"\\200 \\227 ?");
    }

    #[test]
    fn widths_follow_the_font() {
        assert!((text_width("ii", 10.0, false) - 4.44).abs() < 1e-4);
        assert!(text_width("WW", 10.0, false) > text_width("ll", 10.0, false) * 3.0);
        assert!(text_width("ab", 10.0, true) > text_width("ab", 10.0, false));
    }
}

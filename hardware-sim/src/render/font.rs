//! The printer's Font A: 12 × 24 dot cells. Letters come from the X11 10 × 20 bitmap font
//! (embedded-graphics' ISO 8859-1 set, and the euro sign from its ISO 8859-15 set), placed in
//! the cell with a dot of spacing around, as a thermal printer's own font sits in its cell.
//! Box-drawing, block and shade characters are drawn to fill the whole cell, so frames join
//! from one cell to the next as they do on paper. Anything else gets a visible hollow box.

use embedded_graphics::geometry::{OriginDimensions, Point};
use embedded_graphics::image::GetPixel;
use embedded_graphics::mono_font::mapping::{ISO_8859_1, ISO_8859_15};
use embedded_graphics::mono_font::{MonoFont, iso_8859_1, iso_8859_15};
use embedded_graphics::pixelcolor::BinaryColor;

pub const CELL_W_DOTS: usize = 12;
pub const CELL_H_DOTS: usize = 24;

/// One cell: 24 rows of 12 dots, bit 11 the leftmost dot.
pub type Glyph = [u16; CELL_H_DOTS];

const FULL_ROW: u16 = 0x0FFF;

/// The glyph for `c` in Font A.
pub fn glyph(c: char) -> Glyph {
    if ISO_8859_15.contains(c) && !ISO_8859_1.contains(c) {
        return from_font(&iso_8859_15::FONT_10X20, c); // €, the one CP858 needs from 8859-15
    }
    if ISO_8859_1.contains(c) {
        return from_font(&iso_8859_1::FONT_10X20, c);
    }
    drawn(c).unwrap_or_else(replacement)
}

/// Emphasised (bold) printing: every dot is printed again one dot to the right.
pub fn embolden(g: &Glyph) -> Glyph {
    g.map(|row| (row | (row >> 1)) & FULL_ROW)
}

/// A 10 × 20 glyph placed at column 1, row 2 of the cell.
fn from_font(font: &MonoFont, c: char) -> Glyph {
    let size = font.character_size;
    let per_row = (font.image.size().width / size.width).max(1);
    let index = u32::try_from(font.glyph_mapping.index(c)).unwrap_or(0);
    let (x0, y0) = ((index % per_row) * size.width, (index / per_row) * size.height);
    let mut g = [0u16; CELL_H_DOTS];
    for y in 0..size.height.min(22) {
        for x in 0..size.width.min(11) {
            let point = Point::new(i32::try_from(x0 + x).unwrap_or(0), i32::try_from(y0 + y).unwrap_or(0));
            if font.image.pixel(point) == Some(BinaryColor::On) {
                g[y as usize + 2] |= 1 << (10 - x);
            }
        }
    }
    g
}

/// Horizontal run of `rows` from dot `x0` to before `x1`.
fn h(g: &mut Glyph, rows: std::ops::Range<usize>, x0: usize, x1: usize) {
    let bits = (x0..x1.min(CELL_W_DOTS)).fold(0u16, |acc, x| acc | (1 << (11 - x)));
    for row in rows {
        g[row] |= bits;
    }
}

/// Vertical run at dot columns `cols` from row `y0` to before `y1`.
fn v(g: &mut Glyph, cols: std::ops::Range<usize>, y0: usize, y1: usize) {
    for x in cols {
        for row in &mut g[y0..y1.min(CELL_H_DOTS)] {
            *row |= 1 << (11 - x);
        }
    }
}

// Box lines are two dots thick. Single lines run through the middle (rows 11-12, columns 5-6);
// double lines run at rows 8-9 and 14-15, columns 2-3 and 8-9.
const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

/// Which arms a box-drawing character has, and whether they are double.
fn arms(c: char) -> Option<(u8, bool)> {
    Some(match c {
        '─' => (LEFT | RIGHT, false),
        '│' => (UP | DOWN, false),
        '┌' => (RIGHT | DOWN, false),
        '┐' => (LEFT | DOWN, false),
        '└' => (RIGHT | UP, false),
        '┘' => (LEFT | UP, false),
        '├' => (UP | DOWN | RIGHT, false),
        '┤' => (UP | DOWN | LEFT, false),
        '┬' => (LEFT | RIGHT | DOWN, false),
        '┴' => (LEFT | RIGHT | UP, false),
        '┼' => (UP | DOWN | LEFT | RIGHT, false),
        '═' => (LEFT | RIGHT, true),
        '║' => (UP | DOWN, true),
        '╔' => (RIGHT | DOWN, true),
        '╗' => (LEFT | DOWN, true),
        '╚' => (RIGHT | UP, true),
        '╝' => (LEFT | UP, true),
        '╠' => (UP | DOWN | RIGHT, true),
        '╣' => (UP | DOWN | LEFT, true),
        '╦' => (LEFT | RIGHT | DOWN, true),
        '╩' => (LEFT | RIGHT | UP, true),
        '╬' => (UP | DOWN | LEFT | RIGHT, true),
        _ => return None,
    })
}

fn box_glyph(a: u8, double: bool) -> Glyph {
    let mut g = [0u16; CELL_H_DOTS];
    let has = |arm: u8| a & arm != 0;
    if !double {
        if has(LEFT) {
            h(&mut g, 11..13, 0, 7);
        }
        if has(RIGHT) {
            h(&mut g, 11..13, 5, 12);
        }
        if has(UP) {
            v(&mut g, 5..7, 0, 13);
        }
        if has(DOWN) {
            v(&mut g, 5..7, 11, 24);
        }
        return g;
    }
    // Each of the two parallel lines stops where it meets the line of a crossing arm, so
    // corners and junctions are open like ╔ and ╬ rather than drawn over.
    let (upper, lower, left, right) = (8..10, 14..16, 2..4, 8..10);
    let (near, far) = (4, 10); // the right edge of the left / right vertical line, in dots
    let end = |stop_at_near: bool, stop_at_far: bool| {
        if stop_at_near {
            near
        } else if stop_at_far {
            far
        } else {
            6
        }
    };
    let start = |stop_at_near: bool, stop_at_far: bool| {
        if stop_at_near {
            8
        } else if stop_at_far {
            2
        } else {
            6
        }
    };
    if has(LEFT) {
        h(&mut g, upper.clone(), 0, end(has(UP), has(DOWN)));
        h(&mut g, lower.clone(), 0, end(has(DOWN), has(UP)));
    }
    if has(RIGHT) {
        h(&mut g, upper.clone(), start(has(UP), has(DOWN)), 12);
        h(&mut g, lower.clone(), start(has(DOWN), has(UP)), 12);
    }
    let (top_near, top_far, bottom_near, bottom_far) = (10, 16, 14, 8);
    let top_end = |stop_near: bool, stop_far: bool| {
        if stop_near {
            top_near
        } else if stop_far {
            top_far
        } else {
            12
        }
    };
    let bottom_start = |stop_near: bool, stop_far: bool| {
        if stop_near {
            bottom_near
        } else if stop_far {
            bottom_far
        } else {
            12
        }
    };
    if has(UP) {
        v(&mut g, left.clone(), 0, top_end(has(LEFT), has(RIGHT)));
        v(&mut g, right.clone(), 0, top_end(has(RIGHT), has(LEFT)));
    }
    if has(DOWN) {
        v(&mut g, left, bottom_start(has(LEFT), has(RIGHT)), 24);
        v(&mut g, right, bottom_start(has(RIGHT), has(LEFT)), 24);
    }
    g
}

/// ƒ, the one CP858 letter outside ISO 8859-1, in the 10 × 20 font's style.
const F_HOOK: [&str; 20] = [
    "..........",
    "..........",
    "......###.",
    ".....#...#",
    ".....#....",
    ".....#....",
    "...#####..",
    ".....#....",
    ".....#....",
    ".....#....",
    ".....#....",
    ".....#....",
    ".....#....",
    ".....#....",
    ".....#....",
    ".....#....",
    "#...#.....",
    ".###......",
    "..........",
    "..........",
];

fn drawn(c: char) -> Option<Glyph> {
    if let Some((a, double)) = arms(c) {
        return Some(box_glyph(a, double));
    }
    let mut g = [0u16; CELL_H_DOTS];
    match c {
        '█' => g = [FULL_ROW; CELL_H_DOTS],
        '▀' => h(&mut g, 0..12, 0, 12),
        '▄' => h(&mut g, 12..24, 0, 12),
        '■' => h(&mut g, 8..16, 2, 10),
        // Shades: a quarter, half and three quarters of the dots.
        '░' | '▒' | '▓' => {
            for (y, row) in g.iter_mut().enumerate() {
                for x in 0..CELL_W_DOTS {
                    let on = match c {
                        '░' => x % 2 == 0 && y % 2 == 0,
                        '▒' => (x + y) % 2 == 0,
                        _ => !(x % 2 == 1 && y % 2 == 1),
                    };
                    if on {
                        *row |= 1 << (11 - x);
                    }
                }
            }
        }
        '‗' => {
            h(&mut g, 19..20, 0, 12);
            h(&mut g, 22..23, 0, 12);
        }
        '…' => {
            for x in [1, 5, 9] {
                h(&mut g, 18..20, x, x + 2);
            }
        }
        'ƒ' => {
            for (y, line) in F_HOOK.iter().enumerate() {
                for (x, dot) in line.bytes().enumerate() {
                    if dot == b'#' {
                        g[y + 2] |= 1 << (10 - x);
                    }
                }
            }
        }
        _ => return None,
    }
    Some(g)
}

/// A hollow box: the character is not in the font, and the paper shows that plainly.
fn replacement() -> Glyph {
    let mut g = [0u16; CELL_H_DOTS];
    h(&mut g, 3..4, 1, 11);
    h(&mut g, 20..21, 1, 11);
    v(&mut g, 1..2, 3, 21);
    v(&mut g, 10..11, 3, 21);
    g
}

//! A partner's look for the embed, carried in the URL: colours (hex only) and a font family,
//! written into `/find/theme.css` as CSS custom properties, so no text from the URL ever
//! reaches a stylesheet unchecked and the pages keep a strict Content Security Policy.
//!
//! A colour that would fail WCAG AA contrast (4.5:1) against the page's background is dropped
//! and the default kept: a partner cannot make the text unreadable by mistake.

/// The default background and text colours (site.css).
const DEFAULT_PAPER: Rgb = Rgb(0xff, 0xff, 0xff);
const DEFAULT_INK: Rgb = Rgb(0x0b, 0x0c, 0x0c);

/// The contrast WCAG 2.2 AA asks of body text.
const MIN_CONTRAST: f64 = 4.5;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(u8, u8, u8);

impl Rgb {
    /// `1d70b8` or `#1d70b8` or `fff`; anything else is `None`.
    pub fn parse(raw: &str) -> Option<Rgb> {
        let hex = raw.trim().trim_start_matches('#');
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let expanded: String = match hex.len() {
            3 => hex.chars().flat_map(|c| [c, c]).collect(),
            6 => hex.to_string(),
            _ => return None,
        };
        let channel = |at: usize| u8::from_str_radix(&expanded[at..at + 2], 16).ok();
        Some(Rgb(channel(0)?, channel(2)?, channel(4)?))
    }

    /// `1d70b8`, as URLs carry it.
    pub fn hex(self) -> String {
        format!("{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG relative luminance.
    fn luminance(self) -> f64 {
        let linear = |channel: u8| {
            let c = f64::from(channel) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(self.0) + 0.7152 * linear(self.1) + 0.0722 * linear(self.2)
    }

    /// The WCAG contrast ratio of two colours (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// A font family a partner may pick (never free text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Sans,
    Serif,
    System,
}

impl Font {
    fn parse(raw: &str) -> Option<Font> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "sans" | "sans-serif" => Some(Font::Sans),
            "serif" => Some(Font::Serif),
            "system" => Some(Font::System),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Font::Sans => "sans",
            Font::Serif => "serif",
            Font::System => "system",
        }
    }

    fn stack(self) -> &'static str {
        match self {
            Font::Sans => "Arial, Helvetica, sans-serif",
            Font::Serif => "Georgia, \"Times New Roman\", serif",
            Font::System => "system-ui, -apple-system, \"Segoe UI\", Roboto, Arial, sans-serif",
        }
    }
}

/// The embed flag and the partner's look, as the URL gave them (checked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Look {
    /// Shown inside a partner's page (`embed=1`): links and forms keep it.
    pub embed: bool,
    pub accent: Option<Rgb>,
    pub ink: Option<Rgb>,
    pub paper: Option<Rgb>,
    pub font: Option<Font>,
}

impl Look {
    /// Reads `embed`, `accent`, `ink`, `paper` and `font` from query pairs; bad values are
    /// dropped (the default look is kept), as are colours without enough contrast.
    pub fn from_pairs(pairs: &[(String, String)]) -> Look {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let mut look = Look {
            embed: get("embed") == Some("1"),
            accent: get("accent").and_then(Rgb::parse),
            ink: get("ink").and_then(Rgb::parse),
            paper: get("paper").and_then(Rgb::parse),
            font: get("font").and_then(Font::parse),
        };
        let paper = look.paper.unwrap_or(DEFAULT_PAPER);
        if look.ink.is_some_and(|ink| ink.contrast(paper) < MIN_CONTRAST) {
            look.ink = None;
        }
        let ink = look.ink.unwrap_or(DEFAULT_INK);
        if ink.contrast(paper) < MIN_CONTRAST {
            look.paper = None;
        }
        let paper = look.paper.unwrap_or(DEFAULT_PAPER);
        if look.accent.is_some_and(|accent| accent.contrast(paper) < MIN_CONTRAST) {
            look.accent = None;
        }
        look
    }

    /// Whether any colour or font differs from the default.
    pub fn is_themed(&self) -> bool {
        self.accent.is_some() || self.ink.is_some() || self.paper.is_some() || self.font.is_some()
    }

    /// The look as query pairs, for links and hidden form fields that keep it.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if self.embed {
            pairs.push(("embed", "1".to_string()));
        }
        for (name, colour) in [("accent", self.accent), ("ink", self.ink), ("paper", self.paper)] {
            if let Some(colour) = colour {
                pairs.push((name, colour.hex()));
            }
        }
        if let Some(font) = self.font {
            pairs.push(("font", font.name().to_string()));
        }
        pairs
    }

    /// The stylesheet of custom properties for this look.
    pub fn css(&self) -> String {
        let mut css = String::from(":root{");
        for (name, colour) in [("accent", self.accent), ("ink", self.ink), ("paper", self.paper)] {
            if let Some(colour) = colour {
                css.push_str(&format!("--{name}:#{};", colour.hex()));
            }
        }
        if self.ink.is_some() || self.paper.is_some() {
            // Grey text is only known to contrast with the default background.
            css.push_str(&format!("--muted:#{};", self.ink.unwrap_or(DEFAULT_INK).hex()));
        }
        if let Some(font) = self.font {
            css.push_str(&format!("--font:{};", font.stack()));
        }
        css.push('}');
        css
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn colours_are_hex_only_and_fonts_from_a_list() {
        assert_eq!(Rgb::parse("#1D70B8").map(Rgb::hex).as_deref(), Some("1d70b8"));
        assert_eq!(Rgb::parse("fff").map(Rgb::hex).as_deref(), Some("ffffff"));
        assert_eq!(Rgb::parse("red"), None);
        assert_eq!(Rgb::parse("1d70b8;}body{display:none"), None);
        let look = Look::from_pairs(&pairs(&[("accent", "0b0c0c"), ("font", "comic;sans"), ("embed", "1")]));
        assert!(look.embed);
        assert_eq!(look.font, None);
        assert_eq!(look.css(), ":root{--accent:#0b0c0c;}");
    }

    #[test]
    fn colours_without_aa_contrast_are_dropped() {
        let look = Look::from_pairs(&pairs(&[("accent", "ffff00"), ("ink", "cccccc")]));
        assert_eq!(look.accent, None);
        assert_eq!(look.ink, None);
        let dark = Look::from_pairs(&pairs(&[("paper", "000000"), ("ink", "ffffff"), ("accent", "ffdd00")]));
        assert!(dark.paper.is_some() && dark.ink.is_some() && dark.accent.is_some());
        assert!((Rgb(0, 0, 0).contrast(Rgb(255, 255, 255)) - 21.0).abs() < 1e-9);
    }
}

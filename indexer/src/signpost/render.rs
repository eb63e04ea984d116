//! Shortlists a link worker can hand, print or send to the resident: plain text and simple HTML.
//! They hold no personal details: only what was found.

use super::{NeedResult, SignpostOption, SignpostResult};
use crate::domain::Fund;

fn option_lines(option: &SignpostOption) -> Vec<String> {
    let service = &option.service;
    let mut lines = vec![service.name.clone()];
    if let Some(location) = &option.location {
        let address = [
            Some(location.name.clone()),
            location.address_1.clone(),
            location.city.clone(),
            location.postcode.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        lines.push(format!("Where: {address}"));
    }
    if !option.next_sessions.is_empty() {
        let when: Vec<String> = option
            .next_sessions
            .iter()
            .map(|s| {
                format!(
                    "{}-{}",
                    s.starts_at.format("%a %-d %b %H:%M"),
                    s.ends_at.format("%H:%M")
                )
            })
            .collect();
        lines.push(format!("Next: {}", when.join("; ")));
    }
    lines.push(format!("Cost: {}", option.cost));
    if let Some(join) = &service.how_to_join {
        lines.push(format!("How to join: {join}"));
    }
    if let Some(phone) = &service.phone {
        lines.push(format!("Phone: {phone}"));
    }
    lines.push(format!("Why: {}", option.reasons.join(", ")));
    lines
}

fn need_title(result: &NeedResult) -> String {
    result.need.need().label.to_string()
}

/// The shortlist as plain text.
pub fn to_text(result: &SignpostResult) -> String {
    let mut out = format!("Suggestions ({})\n", result.generated_on.format("%-d %B %Y"));
    for need in &result.needs {
        out.push_str(&format!("\n== {} ==\n", need_title(need)));
        if need.unmet {
            out.push_str(&format!(
                "Nothing suitable found within {:.0} km.\n",
                result.max_distance_km
            ));
        }
        let listed = need
            .options
            .iter()
            .chain(need.nearest_beyond.iter())
            .chain(need.remote_alternatives.iter());
        for option in listed {
            for (i, line) in option_lines(option).iter().enumerate() {
                out.push_str(if i == 0 { "- " } else { "  " });
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if !result.funds.is_empty() {
        out.push_str("\n== Funds you may be able to apply for ==\n");
        for fund in &result.funds {
            out.push_str(&format!("- {}: {}\n", fund.name, fund_line(fund)));
        }
    }
    out
}

fn fund_line(fund: &Fund) -> String {
    let amount = match (fund.minimum_amount, fund.maximum_amount) {
        (_, Some(max)) => format!("up to £{max:.0}"),
        (Some(min), None) => format!("from £{min:.0}"),
        _ => String::new(),
    };
    let closes = fund
        .closes_on
        .map(|d| format!("closes {}", d.format("%-d %B %Y")))
        .unwrap_or_default();
    [amount, closes, fund.how_to_apply.clone().unwrap_or_default()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The shortlist as a simple, printable HTML page.
pub fn to_html(result: &SignpostResult) -> String {
    let mut out = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Suggestions</title>\
         <style>body{font-family:sans-serif;max-width:40em;margin:1em auto;line-height:1.4}li{margin-bottom:.8em}</style></head><body>",
    );
    out.push_str(&format!(
        "<h1>Suggestions</h1><p>{}</p>",
        escape(&result.generated_on.format("%-d %B %Y").to_string())
    ));
    for need in &result.needs {
        out.push_str(&format!("<h2>{}</h2>", escape(&need_title(need))));
        if need.unmet {
            out.push_str(&format!(
                "<p>Nothing suitable found within {:.0} km.</p>",
                result.max_distance_km
            ));
        }
        out.push_str("<ul>");
        for option in need
            .options
            .iter()
            .chain(need.nearest_beyond.iter())
            .chain(need.remote_alternatives.iter())
        {
            let lines = option_lines(option);
            out.push_str(&format!("<li><strong>{}</strong>", escape(&lines[0])));
            for line in &lines[1..] {
                out.push_str(&format!("<br>{}", escape(line)));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul>");
    }
    if !result.funds.is_empty() {
        out.push_str("<h2>Funds you may be able to apply for</h2><ul>");
        for fund in &result.funds {
            out.push_str(&format!(
                "<li><strong>{}</strong><br>{}</li>",
                escape(&fund.name),
                escape(&fund_line(fund))
            ));
        }
        out.push_str("</ul>");
    }
    out.push_str("</body></html>");
    out
}

//! Posts in the Neue Post Format (NPF): the reblog trail, then the post's
//! own `content`, each arranged by its `layout`.
//!
//! Layouts: a `rows` layout orders the blocks, and a row of several blocks
//! (an image set) becomes one `npf-row`. Without one, blocks stack in
//! order. Blocks a `rows` layout leaves out are appended in order, except
//! `paywall` blocks, which the layout hides that way on purpose. An `ask`
//! layout wraps its blocks in an `ask` element with the asker's name.
//! `truncate_after` ("read more") is ignored, so every block shows.

use std::collections::BTreeSet;

use serde_json::Value;

use super::blocks::render_block;
use super::html::{escape, link};
use super::json::{array_at, str_at};
use super::media::MediaContext;
use super::text::TextFlow;

/// Renders an NPF post: its trail (oldest entry first, as Tumblr shows
/// it), then its own content in `post-body`.
pub fn render_post(post: &Value, context: &mut MediaContext<'_>) -> String {
    let mut out = String::new();
    let trail = array_at(post, "trail");
    if !trail.is_empty() {
        out.push_str("<div class=\"trail\">");
        for entry in trail {
            out.push_str(&trail_entry(entry, context));
        }
        out.push_str("</div>");
    }
    let own = render_content(array_at(post, "content"), array_at(post, "layout"), context);
    if !own.is_empty() {
        out.push_str(&format!("<div class=\"post-body\">{own}</div>"));
    }
    out
}

/// Renders one trail entry with the name of its blog. A "broken" entry,
/// whose post or blog no longer exists, has only `broken_blog_name` (or no
/// name at all) and is marked `deleted`.
fn trail_entry(entry: &Value, context: &mut MediaContext<'_>) -> String {
    let blog_name = entry.get("blog").and_then(|blog| str_at(blog, "name"));
    let (name, class) = match (blog_name, str_at(entry, "broken_blog_name")) {
        (Some(name), _) => (escape(name), "trail-entry"),
        (None, Some(name)) => (
            format!("{} (post no longer available)", escape(name)),
            "trail-entry deleted",
        ),
        (None, None) => ("deleted post".to_owned(), "trail-entry deleted"),
    };
    let content = render_content(
        array_at(entry, "content"),
        array_at(entry, "layout"),
        context,
    );
    format!("<div class=\"{class}\"><p class=\"trail-blog\">{name}</p>{content}</div>")
}

/// Renders content blocks in the order and grouping of their layouts.
pub fn render_content(
    blocks: &[Value],
    layouts: &[Value],
    context: &mut MediaContext<'_>,
) -> String {
    let rows = ordered_rows(blocks, layouts);
    let Some(ask) = layouts
        .iter()
        .find(|layout| str_at(layout, "type") == Some("ask"))
    else {
        return render_rows(blocks, &rows, context);
    };

    let ask_blocks: BTreeSet<usize> = array_at(ask, "blocks")
        .iter()
        .filter_map(index_of)
        .collect();
    let select = |in_ask: bool| -> Vec<Vec<usize>> {
        rows.iter()
            .map(|row| {
                row.iter()
                    .copied()
                    .filter(|index| ask_blocks.contains(index) == in_ask)
                    .collect()
            })
            .filter(|row: &Vec<usize>| !row.is_empty())
            .collect()
    };
    let (ask_rows, answer_rows) = (select(true), select(false));

    let asker = ask
        .get("attribution")
        .and_then(|attribution| attribution.get("blog"))
        .and_then(|blog| {
            let name = escape(str_at(blog, "name")?);
            Some(link(str_at(blog, "url").unwrap_or(""), None, &name))
        })
        .unwrap_or_else(|| "Anonymous".to_owned());
    format!(
        "<div class=\"ask\"><p class=\"asker\">{asker} asked:</p>{}</div>{}",
        render_rows(blocks, &ask_rows, context),
        render_rows(blocks, &answer_rows, context)
    )
}

fn index_of(value: &Value) -> Option<usize> {
    value.as_u64().and_then(|index| usize::try_from(index).ok())
}

/// Returns the rows of block indexes to show, in order.
fn ordered_rows(blocks: &[Value], layouts: &[Value]) -> Vec<Vec<usize>> {
    let rows_layout = layouts
        .iter()
        .find(|layout| str_at(layout, "type") == Some("rows"));
    let mut seen = vec![false; blocks.len()];
    let mut rows = Vec::new();
    if let Some(layout) = rows_layout {
        for row_indexes in layout_rows(layout) {
            let row: Vec<usize> = row_indexes
                .iter()
                .filter_map(index_of)
                .filter(|&index| index < blocks.len() && !std::mem::replace(&mut seen[index], true))
                .collect();
            if !row.is_empty() {
                rows.push(row);
            }
        }
    }
    for (index, block) in blocks.iter().enumerate() {
        let hidden_paywall = rows_layout.is_some() && str_at(block, "type") == Some("paywall");
        if !seen[index] && !hidden_paywall {
            rows.push(vec![index]);
        }
    }
    rows
}

/// Returns the block indexes of each row of a `rows` layout: the `blocks`
/// of each `display` entry, or the arrays of the older `rows` form
/// (`"rows": [[1, 0]]`) that the NPF specification's trail example uses.
fn layout_rows(layout: &Value) -> Vec<&[Value]> {
    let display = array_at(layout, "display");
    if display.is_empty() {
        return array_at(layout, "rows")
            .iter()
            .filter_map(Value::as_array)
            .map(Vec::as_slice)
            .collect();
    }
    display
        .iter()
        .map(|entry| array_at(entry, "blocks"))
        .collect()
}

fn render_rows(blocks: &[Value], rows: &[Vec<usize>], context: &mut MediaContext<'_>) -> String {
    let mut flow = TextFlow::default();
    for row in rows {
        if let [index] = row.as_slice() {
            push_block(&mut flow, &blocks[*index], context);
            continue;
        }
        let mut html = String::from("<div class=\"npf-row\">");
        for &index in row {
            let mut cell = TextFlow::default();
            push_block(&mut cell, &blocks[index], context);
            html.push_str(&cell.finish());
        }
        html.push_str("</div>");
        flow.push_html(&html);
    }
    flow.finish()
}

fn push_block(flow: &mut TextFlow, block: &Value, context: &mut MediaContext<'_>) {
    if str_at(block, "type") == Some("text") {
        flow.push_text_block(block);
    } else {
        flow.push_html(&render_block(block, context));
    }
}

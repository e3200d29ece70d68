//! The sidebar's stylesheet, injected once at start-up by [`inject`] (so `index.html` needs no
//! stylesheet link). Every colour is a `light-dark()` pair: the OS preference picks one, unless
//! the host pins `color-scheme` on the root (`host::apply_color_scheme`).

/// The CSS. Our own constant: never built from data.
pub const CSS: &str = r#"
:root{color-scheme:light dark;--bg:light-dark(#fff,#16191d);--fg:light-dark(#1f2933,#e6e9ed);--muted:light-dark(#5f6b7a,#9aa5b1);--line:light-dark(#d8dde3,#333a42);--card:light-dark(#f7f8fa,#1e2228);--accent:light-dark(#1f73b7,#5ea8ea);--accent-fg:light-dark(#fff,#0b1620);--in:light-dark(#eef1f5,#252b33);--out:light-dark(#ddeefa,#1d3347);--err-bg:light-dark(#fdecea,#3d1a18);--err:light-dark(#8c1d18,#ffb4ab);--warn-bg:light-dark(#fff4d6,#3a2f10);--warn:light-dark(#6b4a00,#f5d47a);--focus:light-dark(#1f73b7,#8cc4f5)}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.ts-app{padding:8px;display:flex;flex-direction:column;gap:8px}
h1{font-size:16px;margin:0 0 6px}h2{font-size:13px;margin:0 0 6px;color:var(--muted);font-weight:600}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:8px}
.row{display:flex;gap:6px;align-items:center;flex-wrap:wrap}
.value{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px;flex:1;overflow-wrap:anywhere}
.muted{color:var(--muted)}.value.muted{font-family:inherit;font-size:13px}.small{font-size:12px}
button{font:inherit;border-radius:4px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);padding:3px 10px;cursor:pointer}
button.secondary,button.link{background:transparent;color:var(--accent)}button.link{border:none;padding:0;text-decoration:underline}
button.danger{background:var(--err);border-color:var(--err);color:var(--bg)}
button:focus-visible,a:focus-visible,input:focus-visible,textarea:focus-visible,.messages:focus-visible,summary:focus-visible,.spoiler:focus-visible{outline:2px solid var(--focus);outline-offset:2px}
input{font:inherit;width:100%;padding:4px 6px;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg);margin-bottom:6px}
input[aria-invalid=true]{border-color:var(--err)}
.field-error{color:var(--err);margin:6px 0 0}
.banner{border-radius:4px;padding:6px 8px;margin:0 0 6px}.banner p{margin:0}
.banner.error{background:var(--err-bg);color:var(--err)}.banner.warn{background:var(--warn-bg);color:var(--warn)}
.banner .actions{margin-top:4px;display:flex;gap:6px}
.notice{margin:6px 0 0}
.preview,.conflict{margin-top:6px;border-top:1px solid var(--line);padding-top:6px}
.conflict ul{margin:4px 0;padding-left:18px}
.search{margin-top:6px}.results{list-style:none;margin:4px 0 0;padding:0;display:flex;flex-direction:column;gap:4px}
.results button{width:100%;text-align:left;background:var(--bg);color:var(--fg);border-color:var(--line);display:flex;flex-direction:column;gap:1px;overflow-wrap:anywhere}
.results button:hover{border-color:var(--accent)}
.profile .name{font-size:15px;color:var(--fg);margin:0}
.who{display:flex;align-items:center;gap:8px}.avatar{flex:none;width:32px;height:32px;border-radius:50%;background:var(--out);color:var(--fg);display:flex;align-items:center;justify-content:center;font-weight:600;font-size:13px;text-transform:uppercase}
.requester{margin:0}
.profile dl{display:grid;grid-template-columns:auto 1fr;gap:2px 8px;margin:6px 0}.profile dt{color:var(--muted)}.profile dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;border-radius:4px;padding:2px 6px;margin:4px 0}.badge.warn{background:var(--warn-bg);color:var(--warn)}.badge.ok{background:var(--out);color:var(--fg)}
.profile.deleted .name{text-decoration:line-through;color:var(--muted)}
.history ul,ul.history{margin:4px 0;padding-left:18px}
a{color:var(--accent)}
.conversation{display:flex;flex-direction:column}
.messages{position:relative;list-style:none;margin:0;padding:4px;max-height:420px;overflow-y:auto;overflow-anchor:none;border:1px solid var(--line);border-radius:6px;display:flex;flex-direction:column;gap:4px}
.msg{max-width:88%;padding:4px 8px;border-radius:8px;overflow-wrap:anywhere}
.msg.in{align-self:flex-start;background:var(--in)}.msg.out{align-self:flex-end;background:var(--out)}
.msg footer{font-size:11px;color:var(--muted);display:flex;gap:6px;justify-content:flex-end}.msg .agent{font-weight:600}
.msg.deleted .text{text-decoration:line-through;opacity:.7}
.deleted-note{font-size:12px;color:var(--muted);margin:0;font-style:italic}
.mark{font-style:italic}
.text{white-space:pre-wrap;unicode-bidi:isolate}
.text pre{margin:2px 0;padding:4px;background:var(--bg);border-radius:4px;overflow-x:auto;white-space:pre}
.text code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.text blockquote,.reply{margin:2px 0;padding-left:6px;border-left:3px solid var(--accent)}
.reply{font-size:12px;color:var(--muted)}.reply .quoted{unicode-bidi:isolate;display:inline-block;max-height:3.2em;overflow:hidden}
.spoiler{background:var(--fg);color:transparent;border-radius:2px}.spoiler:hover,.spoiler:focus{background:transparent;color:inherit}
.media{display:flex;gap:6px;align-items:center;font-size:12px;padding:4px 6px;border:1px dashed var(--line);border-radius:4px;margin:2px 0}
.day{align-self:center;font-size:11px;color:var(--muted);padding:2px 8px;border-radius:8px;background:var(--card)}
.edge{align-self:center;font-size:11px}
.msg.pending{opacity:.75}.msg.pending[data-state=failed]{opacity:1;outline:1px solid var(--warn,#c60)}
.composer{display:flex;flex-direction:column;gap:4px;margin-top:6px}
.composer textarea{font:inherit;resize:vertical;min-height:2.6em;padding:4px 6px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:inherit}
.composer .row{justify-content:flex-end;align-items:center;gap:8px}
.composer p{margin:0}
button:disabled,textarea:disabled{opacity:.5;cursor:not-allowed}
.suggestions ul{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}
.suggestion{border:1px solid var(--line);border-radius:6px;padding:6px}
.clamp{margin:2px 0;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;overflow-wrap:anywhere}
.suggestion .reasons{margin:2px 0 4px;padding-left:16px;font-size:12px;color:var(--muted)}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
bdi{unicode-bidi:isolate}
"#;

/// Adds the stylesheet to `<head>` once.
pub fn inject() {
    inject_sheet("telegram-sidebar-style", CSS);
}

/// Adds `css` to `<head>` as the `<style id=…>` `id`, unless the page has it already (the bulk
/// page adds its own sheet on top of this one).
pub fn inject_sheet(id: &str, css: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if doc.get_element_by_id(id).is_some() {
        return;
    }
    if let (Ok(style), Some(head)) = (doc.create_element("style"), doc.head()) {
        style.set_id(id);
        style.set_text_content(Some(css));
        let _ = head.append_child(&style);
    }
}

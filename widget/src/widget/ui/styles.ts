// The widget's style sheet, inside its Shadow DOM so the host page's CSS cannot reach it (and it
// cannot leak out). Colours come from the theme's custom properties (--sn-primary, --sn-text,
// --sn-bg), which a host may also override on the element itself. `--sn-bottom` (default 20px)
// lifts the launcher and the panel above a page's own fixed bottom bar (the hosted page's footer).
export const styles = `
:host{all:initial;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;text-align:start}
*{box-sizing:border-box}
.fixed{position:fixed;bottom:var(--sn-bottom,20px);right:20px;z-index:2147483000}
.fixed.bottom-left{right:auto;left:20px}
.inline{position:relative;display:inline-block}
button{font:inherit;cursor:pointer;border-radius:999px;border:1px solid transparent;padding:9px 16px}
button:focus-visible,select:focus-visible{outline:3px solid var(--sn-primary);outline-offset:2px}
.launcher{background:var(--sn-primary);color:var(--sn-text);font-weight:600;padding:12px 20px;box-shadow:0 4px 14px #0003}
.panel{width:min(340px,calc(100vw - 40px));background:var(--sn-bg);border-radius:16px;box-shadow:0 8px 30px #0003;overflow:hidden;display:flex;flex-direction:column;max-height:min(560px,calc(100vh - var(--sn-bottom,20px) - 20px));max-height:min(560px,calc(100dvh - var(--sn-bottom,20px) - 20px))}
.panel:focus{outline:none}
.inline .panel{box-shadow:0 1px 4px #0002;border:1px solid #dee2e6}
header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:var(--sn-primary);color:var(--sn-text)}
h2{font-size:16px;margin:0;flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.close{background:transparent;color:inherit;padding:2px 10px;font-size:20px;line-height:1}
.stage{display:flex;flex-direction:column;align-items:center;gap:10px;padding:20px 16px 12px;text-align:center}
.orb{width:64px;height:64px;border-radius:50%;background:var(--sn-primary);opacity:.35;transition:opacity .2s,transform .2s}
.listening .orb{opacity:.7}
.thinking .orb{opacity:.55;animation:sn-pulse 1.2s ease-in-out infinite}
.speaking .orb{opacity:1;animation:sn-pulse .6s ease-in-out infinite}
.error .orb{background:#c92a2a;opacity:.8}
@keyframes sn-pulse{50%{transform:scale(1.12)}}
@media (prefers-reduced-motion:reduce){.orb{animation:none!important}}
.status{margin:0;min-height:1.45em}
.transcript{list-style:none;margin:0;padding:8px 14px;overflow-y:auto;flex:1;min-height:60px;border-top:1px solid #e9ecef;font-size:14px}
.transcript li{margin:6px 0;padding:6px 10px;border-radius:10px;background:#f1f3f5;max-width:85%}
.transcript .user{margin-left:auto;background:var(--sn-primary);color:var(--sn-text)}
.transcript .partial{opacity:.65}
footer{display:flex;flex-wrap:wrap;gap:8px;justify-content:center;align-items:center;padding:12px 14px;border-top:1px solid #e9ecef}
.primary{background:var(--sn-primary);color:var(--sn-text);font-weight:600}
.secondary{background:#fff;border-color:#ced4da;color:#212529}
.secondary[aria-pressed=true]{background:#fff3bf;border-color:#fab005}
.end{background:#c92a2a;color:#fff;font-weight:600}
.ask{flex-basis:100%;text-align:center;font-weight:600}
label{display:flex;gap:6px;align-items:center;font-size:13px;color:#495057}
select{font:inherit;padding:4px 6px;border-radius:8px;border:1px solid #ced4da;background:#fff}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

package views

// CSS is the whole style sheet, inlined by Layout. The Content-Security-Policy
// allows exactly this text by its hash, so any change here is picked up there.
const CSS = `
:root{--fg:#1d2430;--muted:#5d6778;--line:#d9dee7;--bg:#f4f6f9;--card:#fff;--accent:#1f6fd1;--accent-dark:#17579f;--ok:#1d7a46;--bad:#b42318;--warn:#b26a00}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header{background:#16325c;color:#fff}
header .bar{max-width:1100px;margin:0 auto;padding:.6rem 1rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header .brand{font-weight:700;margin-right:.5rem}
header nav{display:flex;gap:.2rem;flex-wrap:wrap;flex:1}
header nav a{color:#dbe6f7;text-decoration:none;padding:.25rem .6rem;border-radius:4px}
header nav a:hover{background:#244a82}
header nav a.current{background:#fff;color:#16325c}
header .who{display:flex;gap:.6rem;align-items:center;color:#dbe6f7}
header .who a{color:#dbe6f7}
header form{margin:0}
main{max-width:1100px;margin:1.2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:.2rem 0 1rem}
h2{font-size:1.15rem;margin:0 0 .7rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:1rem 1.2rem;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:1rem;margin-bottom:1rem}
.stat{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem}
.stat .n{font-size:1.8rem;font-weight:700}
.stat .l{color:var(--muted)}
table{width:100%;border-collapse:collapse;background:var(--card)}
th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}
tr:last-child td{border-bottom:0}
.muted{color:var(--muted)}
.mono,code,pre,textarea.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88rem}
pre{background:#0f1b2d;color:#e7eef9;padding:.8rem 1rem;border-radius:6px;overflow:auto}
label{display:block;font-weight:600;margin:.6rem 0 .2rem}
input[type=text],input[type=email],input[type=password],input[type=number],input[type=search],select,textarea{font:inherit;padding:.4rem .5rem;border:1px solid #b8c1cf;border-radius:4px;width:100%;max-width:28rem;background:#fff}
textarea{max-width:none;min-height:22rem}
input:focus,select:focus,textarea:focus{outline:2px solid var(--accent);outline-offset:0;border-color:var(--accent)}
button,.button{font:inherit;display:inline-block;padding:.4rem .9rem;border:1px solid var(--accent-dark);border-radius:4px;background:var(--accent);color:#fff;cursor:pointer;text-decoration:none}
button:hover,.button:hover{background:var(--accent-dark)}
button.secondary,.button.secondary{background:#fff;color:var(--fg);border-color:#b8c1cf}
button.danger{background:var(--bad);border-color:#8f1c13}
button.link{background:none;border:0;color:inherit;text-decoration:underline;padding:0}
.inline{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:0}
.inline input[type=text],.inline input[type=search]{width:auto;flex:1;min-width:12rem}
.actions{display:flex;gap:.6rem;margin-top:.9rem;align-items:center;flex-wrap:wrap}
.flash{padding:.6rem .9rem;border-radius:6px;margin-bottom:1rem;border:1px solid}
.flash.ok{background:#e8f5ee;border-color:#a6d8bb;color:var(--ok)}
.flash.error{background:#fdecea;border-color:#f2b8b2;color:var(--bad)}
.error{color:var(--bad);font-weight:600}
.badge{display:inline-block;padding:0 .45rem;border-radius:999px;font-size:.8rem;border:1px solid var(--line);background:#eef1f6;color:var(--muted)}
h1 .badge{margin-left:.6rem;vertical-align:middle;font-size:.8rem}
.badge.on{background:#e8f5ee;border-color:#a6d8bb;color:var(--ok)}
.badge.off{background:#fdecea;border-color:#f2b8b2;color:var(--bad)}
.pager{display:flex;gap:.8rem;align-items:center;margin-top:.8rem}
.login{max-width:24rem;margin:4rem auto}
.chart rect.bar{fill:var(--accent)}
.chart .axis{stroke:var(--line)}
.chart text{fill:var(--muted);font-size:9px}
ol.steps li{margin-bottom:.5rem}
`

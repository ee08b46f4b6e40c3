/// The page's inline stylesheet: readable on screen, clean on paper. Only fonts already on
/// the reader's machine; no `url(` and no `@import`, so it loads nothing.
enum HTMLStyle {
    static let css = """
    :root { color-scheme: light; }
    body { margin: 0; background: #fff; color: #1b1b1b;
      font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif; }
    article { max-width: 52rem; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
    h1 { font-size: 1.8rem; line-height: 1.25; margin: 0 0 .8rem; }
    h2 { font-size: 1.3rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid #ccc; }
    h3 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; }
    h4, h5, h6 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
    p, ul, ol, blockquote, pre, table { margin: 0 0 .8rem; }
    .facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1rem; }
    .facts dt { font-weight: 600; color: #555; }
    .facts dd { margin: 0; }
    .tag { display: inline-block; margin: 0 .2rem .2rem 0; padding: 0 .4rem; border: 1px solid #bbb; border-radius: .25rem; font-size: .9em; }
    table { width: 100%; border-collapse: collapse; font-size: .92rem; }
    th, td { padding: .3rem .45rem; border: 1px solid #ccc; text-align: left; vertical-align: top; }
    th { background: #f2f2f2; }
    .number { text-align: right; font-variant-numeric: tabular-nums; }
    .nowrap { white-space: nowrap; }
    .center { text-align: center; }
    .right { text-align: right; }
    code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .9em; }
    code { overflow-wrap: anywhere; }
    pre { padding: .6rem .8rem; background: #f6f6f6; white-space: pre-wrap; overflow-wrap: anywhere; }
    blockquote { padding: 0 1rem; border-left: 4px solid #ccc; color: #444; margin-left: 0; }
    .banner { padding: .5rem .75rem; border: 2px solid; font-weight: 600; }
    .deleted { border-color: #a40000; color: #a40000; }
    .conflicted { border-color: #b35c00; color: #7a3e00; }
    tr.conflicted { color: inherit; }
    tr.conflicted td { background: #fff4e5; }
    .conflict-mark { color: #7a3e00; font-weight: 600; font-size: .85em; white-space: nowrap; }
    tr.shown td { font-weight: 600; }
    .shown-mark { font-weight: 400; color: #555; }
    pre.candidate { font-weight: 400; margin: 0; }
    footer { margin-top: 2.5rem; padding-top: .6rem; border-top: 1px solid #ccc; color: #555; font-size: .85rem; }
    footer p { margin: 0 0 .3rem; }
    @media print {
      @page { margin: 18mm 15mm; }
      *, *::before, *::after { background: none !important; box-shadow: none !important; }
      body { color: #000; font-size: 10.5pt; }
      article { max-width: none; padding: 0; }
      a { color: #000; }
      a[href]::after { content: " <" attr(href) ">"; font-size: .85em; overflow-wrap: anywhere; }
      h1, h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
      table, tr, td, th, pre, blockquote, .conflict, .banner { break-inside: avoid; page-break-inside: avoid; }
      thead { display: table-header-group; }
      .banner { border-width: 2px; border-style: solid; }
      .conflict-mark, .deleted, .conflicted { color: #000; }
    }
    """
}

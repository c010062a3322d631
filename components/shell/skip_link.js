// Backprop Lens: a "Skip to main content" link, the first thing Tab reaches on every page
// (components/shell/skip_link.py). Without it a keyboard user tabs through the whole sidebar first.
// Inserted once per tab as the first child of <body> (outside Streamlit's React tree, so no rerun
// removes it); hidden until focused. Enter moves the focus to the page's main controls: the next Tab
// reaches their first button.
const MAIN = [".st-key-step_transport", ".st-key-sandbox_transport", ".st-key-pg_transport", ".st-key-lab_bar",
              '[data-testid="stMainBlockContainer"]'];

export default function () {
  if (document.getElementById("bl-skip-link")) return;
  const style = document.createElement("style");
  style.textContent = `
#bl-skip-link { position: fixed; left: 0.5rem; top: -4rem; z-index: 1000001; padding: 0.6rem 1rem;
  background: #ffffff; color: #1558d6; font: 600 1rem/1.2 sans-serif; border: 3px solid #1558d6;
  border-radius: 0.4rem; text-decoration: underline; }
#bl-skip-link:focus { top: 0.5rem; }`;
  document.head.appendChild(style);
  const link = document.createElement("a");
  link.id = "bl-skip-link";
  link.href = "#";
  link.textContent = "Skip to main content";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    const target = MAIN.map((s) => document.querySelector(s)).find((e) => e && e.getClientRects().length);
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.style.outline = target.style.outline || "none";
    target.focus();
  });
  document.body.insertBefore(link, document.body.firstChild);
}

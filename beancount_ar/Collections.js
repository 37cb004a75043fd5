// The Collections page's behaviour in the browser: what plain HTML cannot do.
//
// - After a refused form, focus goes to the first field marked invalid, or
//   to the message of a form refused as a whole (a field's `autofocus` does
//   the same when the page is loaded whole; Fava inserts pages it navigates
//   to, where `autofocus` is not honoured).
// - Fava's sortable tables sort when a header is clicked; the headers hold
//   buttons (so the keyboard reaches them), and `aria-sort` follows the order.

function focusInvalid() {
  // The field at fault, else the message of a form refused as a whole.
  const field =
    document.querySelector('.ar [aria-invalid="true"]') ??
    document.querySelector(".ar .ar-error[tabindex]");
  if (field) {
    field.focus();
    field.scrollIntoView({ block: "center" });
  }
}

function syncSortState(table) {
  for (const th of table.querySelectorAll("th[data-sort]")) {
    const order = th.getAttribute("data-order");
    if (order === "asc") th.setAttribute("aria-sort", "ascending");
    else if (order === "desc") th.setAttribute("aria-sort", "descending");
    else th.removeAttribute("aria-sort");
  }
}

function watchSorting() {
  for (const table of document.querySelectorAll(".ar table[is=sortable-table]")) {
    if (table.dataset.arSortWatched) continue;
    table.dataset.arSortWatched = "1";
    table.addEventListener("click", (event) => {
      if (event.target.closest("th[data-sort]")) {
        // Fava's own handler has run on the header: read its order.
        setTimeout(() => syncSortState(table), 0);
      }
    });
  }
}

// The statement is laid out for paper; on a narrow screen its preview is
// drawn at the width it needs and scaled down to fit, as a page would be.
const STATEMENT_WIDTH = 720;
const STATEMENT_HEIGHT = 512;

function fitPreviews() {
  for (const box of document.querySelectorAll(".ar-preview")) {
    const frame = box.querySelector("iframe");
    const scale = Math.min(1, box.clientWidth / STATEMENT_WIDTH);
    if (scale < 1) {
      frame.style.width = `${STATEMENT_WIDTH}px`;
      frame.style.height = `${STATEMENT_HEIGHT / scale}px`;
      frame.style.transform = `scale(${scale})`;
      frame.style.transformOrigin = "0 0";
      box.style.height = `${STATEMENT_HEIGHT}px`;
      box.style.overflow = "hidden";
    } else {
      frame.removeAttribute("style");
      box.removeAttribute("style");
    }
  }
}

let fitting = false;

export default {
  onExtensionPageLoad() {
    focusInvalid();
    watchSorting();
    fitPreviews();
    if (!fitting) {
      fitting = true;
      window.addEventListener("resize", fitPreviews);
    }
  },
};

// The Collections page's behaviour in the browser: what plain HTML cannot do.
//
// - After a refused form, focus goes to the first field marked invalid (its
//   `autofocus` does the same when the page is loaded whole; Fava inserts
//   pages it navigates to, where `autofocus` is not honoured).
// - Fava's sortable tables sort when a header is clicked; the headers hold
//   buttons (so the keyboard reaches them), and `aria-sort` follows the order.

function focusInvalid() {
  const field = document.querySelector('.ar [aria-invalid="true"]');
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

export default {
  onExtensionPageLoad() {
    focusInvalid();
    watchSorting();
  },
};

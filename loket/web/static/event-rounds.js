// "Meer rijen" on the new career-day form: add one empty "day + round" row in place instead of
// sending the form (without JavaScript the button sends it and the server adds three rows).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-add-round]");
  const body = document.querySelector(".round-table tbody");
  if (!button || !body) return;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    const rows = body.querySelectorAll(".round-row");
    const last = rows[rows.length - 1];
    const n = rows.length;
    const row = last.cloneNode(true);
    row.querySelectorAll(".error").forEach((e) => e.remove());
    row.querySelectorAll("input").forEach((input) => {
      input.value = "";
      input.removeAttribute("aria-invalid");
      input.name = input.name.replace(/rounds-\d+-/, `rounds-${n}-`);
      input.id = input.id.replace(/rounds-\d+-/, `rounds-${n}-`);
      const label = input.getAttribute("aria-label") || "";
      input.setAttribute("aria-label", label.replace(/\d+$/, String(n + 1)));
    });
    body.appendChild(row);
    row.querySelector("input").focus();
  });
});

// The management pages' behaviour (templates/manage/); served as a file: the pages' policy runs no inline script.

// A form that takes a while (rendering a prompt to speech) is sent once, and says it is working.
document.querySelectorAll("form[data-busy]").forEach((form) => {
  form.addEventListener("submit", () => {
    form.querySelector("button").disabled = true;
    form.querySelector(".busy").hidden = false;
  });
});

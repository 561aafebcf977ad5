// Projector page: refresh the open poll's figures every two seconds from the API.
// Without JavaScript the page is complete as served; reloading shows the latest state.
(function () {
  var section = document.querySelector("[data-poll-url]");
  if (!section || !window.fetch) return;
  var labels = {draft: "voorbereid", open: "open", closed: "gesloten", published: "gepubliceerd"};
  function pct(value) { return value ? value.replace(".", ",") + "%" : "—"; }
  function update(data) {
    var fields = {
      state: labels[data.state] || data.state,
      ballots_cast: String(data.ballots_cast),
      voor_pct: pct(data.voor_pct),
      tegen_pct: pct(data.tegen_pct),
      outcome: data.outcome || "stemming loopt"
    };
    Object.keys(fields).forEach(function (name) {
      var node = section.querySelector('[data-field="' + name + '"]');
      if (node && node.textContent !== fields[name]) node.textContent = fields[name];
    });
    return data.state;
  }
  function poll() {
    fetch(section.getAttribute("data-poll-url"), {headers: {Accept: "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var state = data ? update(data) : null;
        if (state !== "published") setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 2000);
})();

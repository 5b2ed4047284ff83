// The search of a motodex site exported as files (motodex export-site).
// search-index.js, loaded just before this script, holds every bike in the
// catalogue's order; the search finds those whose model or maker name
// contains the words typed, ignoring case, as the live site's search does,
// and shows each with a copy of the page's card template.
(function () {
  "use strict";
  var shownAtMost = 120;
  var bikes = (window.motodexIndex && window.motodexIndex.bikes) || [];
  var query = (new URLSearchParams(window.location.search).get("search") || "").trim();
  var input = document.getElementById("search");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var template = document.getElementById("bike-card-template");
  if (input) {
    input.value = query;
  }
  if (!status || !list) {
    return;
  }
  if (!query) {
    status.textContent = "Type part of a model or maker name, then press Search.";
    return;
  }
  var needle = query.toLowerCase();
  var found = bikes.filter(function (bike) {
    return bike.model.toLowerCase().indexOf(needle) !== -1 ||
      bike.maker.toLowerCase().indexOf(needle) !== -1;
  });
  document.title = "Search results · " + document.title.split(" · ").pop();
  if (found.length === 0 || !template) {
    status.textContent = "No bikes match your search. Try another maker or fewer letters.";
    return;
  }
  status.textContent = found.length + (found.length === 1 ? " bike" : " bikes") +
    (found.length > shownAtMost ? " · the first " + shownAtMost + " shown; type more letters to narrow the search" : "");
  found.slice(0, shownAtMost).forEach(function (bike) {
    var card = template.content.firstElementChild.cloneNode(true);
    card.querySelector("a").setAttribute("href", bike.href);
    var image = card.querySelector("img");
    image.setAttribute("src", bike.img);
    image.setAttribute("alt", bike.alt);
    card.querySelector(".bike-maker").textContent = bike.maker;
    card.querySelector(".bike-model").textContent = bike.model;
    card.querySelector(".bike-meta").textContent = bike.year + " · " + bike.engine;
    list.appendChild(card);
  });
})();

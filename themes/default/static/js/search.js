// The search page: loads Pagefind's index (pagefind/pagefind.js, fetched piece by piece as
// words are typed) and lists the stories found, with headline, date, section and an excerpt
// in which the words found are marked. Query, section and order live in the address, so a
// search can be shared, and the masthead's box (a plain form) lands here with ?q=.
const form = document.querySelector("[data-search-form]");
if (form) start(form);

async function start(form) {
  const status = document.querySelector("[data-search-status]");
  const list = document.querySelector("[data-search-results]");
  let pagefind;
  try {
    pagefind = await import(form.dataset.pagefind);
    await pagefind.options({ excerptLength: 30 });
  } catch (error) {
    status.textContent = "Search could not be loaded.";
    return; // the notice that search needs JavaScript stays
  }
  document.querySelector("[data-search-nojs]").hidden = true;
  form.hidden = false;
  const fields = form.elements;
  const params = new URLSearchParams(location.search);
  for (const name of ["q", "section", "order"]) {
    if (fields[name]) fields[name].value = params.get(name) || "";
  }
  let latest = 0;
  let timer;

  async function search() {
    const mine = ++latest;
    const words = fields.q.value.trim();
    const address = new URL(location.href);
    for (const name of ["q", "section", "order"]) {
      const value = fields[name] ? fields[name].value : "";
      if (value) address.searchParams.set(name, value);
      else address.searchParams.delete(name);
    }
    history.replaceState(null, "", address);
    if (!words) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    const options = {};
    if (fields.section && fields.section.value) options.filters = { section: fields.section.value };
    if (fields.order.value === "date") options.sort = { date: "desc" };
    const found = await pagefind.search(words, options);
    const shown = await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
    if (mine !== latest) return; // a later search has started
    list.replaceChildren(...shown.map(item));
    const count = found.results.length;
    const noun = count === 1 ? "story" : "stories";
    status.textContent = count
      ? `${count} ${noun} found for “${words}”` + (count > shown.length ? `; the first ${shown.length} are shown.` : ".")
      : `Nothing found for “${words}”.`;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    search();
  });
  fields.q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  for (const name of ["section", "order"]) {
    if (fields[name]) fields[name].addEventListener("change", search);
  }
  if (fields.q.value) search();
}

function item(result) {
  const li = document.createElement("li");
  li.className = "search-result";
  const heading = document.createElement("h2");
  heading.className = "search-result-title";
  const link = document.createElement("a");
  link.href = result.url;
  link.textContent = result.meta.title || result.url;
  heading.append(link);
  li.append(heading);
  const facts = [result.meta.section, result.meta.date].filter(Boolean);
  if (facts.length) {
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = facts.join(" · ");
    li.append(meta);
  }
  const excerpt = document.createElement("p");
  excerpt.className = "search-excerpt";
  excerpt.append(...marked(result.excerpt));
  li.append(excerpt);
  return li;
}

// The excerpt's text with Pagefind's <mark> elements and nothing else: whatever else the
// indexed page held is shown as text, never run or rendered.
function marked(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const nodes = [];
  for (const node of template.content.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(node.textContent));
    }
  }
  return nodes;
}

/* empty css      */new URLSearchParams(location.search).has("failed")&&document.getElementById("failed")?.removeAttribute("hidden");

if (new URLSearchParams(location.search).has("failed")) document.getElementById("failed").classList.add("show");

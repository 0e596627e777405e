"""The baseline of the code-engine benchmark: the same 20 actions on the same checkout page, in
Python Playwright driving the same Chromium, each run in a fresh context of an already-running
browser. Prints the wall time of each run in milliseconds, as a JSON list.

Usage: playwright_checkout.py <chromium> <page url> <runs>
"""

import json
import sys
import time

from playwright.sync_api import sync_playwright


def checkout(browser, url):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(url)
    page.fill("#first", "Ada")
    page.fill("#last", "Lovelace")
    page.fill("#email", "ada@example.org")
    page.fill("#phone", "+44 20 7946 0000")
    page.select_option("#country", "fr")
    page.fill("#city", "Paris")
    page.fill("#street", "1 rue de Rivoli")
    page.fill("#zip", "75001")
    page.check("#terms")
    page.check("#news")
    page.select_option("#size", label="M")
    page.locator("#notes").press_sequentially("hello")
    page.click("#next")
    page.fill("#card", "4242424242424242")
    page.fill("#expiry", "12/30")
    page.fill("#cvc", "123")
    page.click("#pay")
    page.get_by_text("Paid by").wait_for()
    output = {"status": page.text_content("#status"), "country": page.input_value("#country")}
    context.close()
    return output


def main():
    chromium, url, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        checkout(browser, url)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            output = checkout(browser, url)
            times.append((time.perf_counter() - started) * 1000)
            assert output["status"] == "Paid by Ada Lovelace, total 42.00", output
        browser.close()
    print(json.dumps(times))


if __name__ == "__main__":
    main()

//! A real headless Chromium, driven through ChromeDriver's W3C WebDriver protocol (the
//! Debian packages `chromium` and `chromium-driver`, installed by `.ci/run`). The few
//! commands the console tests need, over HTTP with the client the tests already use.

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::Client,
    base: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// Whether the browser is installed. The console's browser tests need it; CI installs it.
pub fn available() -> bool {
    std::path::Path::new(&chromedriver()).exists() && std::path::Path::new(&chromium()).exists()
}

fn chromedriver() -> String {
    std::env::var("CPNIGUARD_TEST_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned())
}

fn chromium() -> String {
    std::env::var("CPNIGUARD_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

impl Browser {
    /// Start ChromeDriver on a free port and open a headless Chromium session.
    pub async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{root}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1366,1100", "--lang=en-US",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let r: Value = http.post(format!("{root}/session")).json(&caps).send().await.unwrap().json().await.unwrap();
        let id = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no WebDriver session: {r}")).to_owned();
        Browser { http, base: format!("{root}/session/{id}"), driver, _profile: profile }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    /// The element matching `css`, waiting up to 10 s for it (htmx swaps are async).
    pub async fn find(&self, css: &str) -> String {
        match self.try_find(css, Duration::from_secs(10)).await {
            Some(id) => id,
            None => {
                let (url, page) = (self.current_url().await, self.source().await);
                panic!("no element {css} on {url}:\n{}", &page[..page.len().min(3000)])
            }
        }
    }

    pub async fn try_find(&self, css: &str, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        loop {
            let v = self
                .call(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css})))
                .await;
            if let Some(id) = v[ELEMENT].as_str() {
                return Some(id.to_owned());
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{el}/clear"), Some(json!({}))).await;
        self.call(reqwest::Method::POST, &format!("/element/{el}/value"), Some(json!({"text": text}))).await;
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value='{value}']")).await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{el}/click"), Some(json!({}))).await;
    }

    /// Click something that loads a new page (a form's submit button, a link), and wait
    /// until the old page is gone, so the next step acts on the new one.
    pub async fn navigate_by(&self, css: &str) {
        let el = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{el}/click"), Some(json!({}))).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let r = self.call(reqwest::Method::GET, &format!("/element/{el}/name"), None).await;
            if r.get("error").is_some() || Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.call(reqwest::Method::GET, &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Wait until the element's text contains `needle`; its text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let t = self.text(css).await;
            if t.contains(needle) || Instant::now() >= deadline {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_owned()
    }

    pub async fn delete_cookies(&self) {
        self.call(reqwest::Method::DELETE, "/cookie", None).await;
    }

    /// Save a PNG of the window.
    pub async fn screenshot(&self, path: &std::path::Path) {
        use base64::Engine as _;
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    pub async fn quit(mut self) {
        let _ = self.http.delete(&self.base).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

impl Browser {
    /// Set a cookie for the current page's origin (the console's path).
    pub async fn add_cookie(&self, name: &str, value: &str) {
        let cookie = json!({"cookie": {"name": name, "value": value, "path": "/console", "httpOnly": true}});
        self.call(reqwest::Method::POST, "/cookie", Some(cookie)).await;
    }
}

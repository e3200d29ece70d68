//! The double over real HTTP on loopback, against the shapes Zendesk documents (each test names
//! the page it follows in the handler it exercises; see src/api.rs).

use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use zendesk_double::limits::Faults;
use zendesk_double::{Double, seed};

struct Zd {
    url: String,
    http: Client,
    double: Double,
}

const ANN: &str = "ann@example.com"; // agent
const ALEX: &str = "alex@example.com"; // admin
const LEE: &str = "lee@example.com"; // light agent

async fn start_with(double: Double) -> Zd {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, zendesk_double::app(double.clone())).into_future());
    Zd {
        url,
        http: {
            let _ = rustls::crypto::ring::default_provider().install_default();
            Client::new()
        },
        double,
    }
}

async fn start() -> Zd {
    start_with(Double::open(None, seed::hand_made(), seed::DEMO_API_TOKEN.into()).unwrap()).await
}

impl Zd {
    /// A request as `email` with the API token.
    fn req(&self, method: Method, path: &str, email: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .basic_auth(format!("{email}/token"), Some(seed::DEMO_API_TOKEN))
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        email: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut r = self.req(method, path, email);
        if let Some(body) = body {
            r = r.json(&body);
        }
        let res = r.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, ANN, None).await
    }

    async fn faults(&self, faults: Faults) {
        let res = self
            .http
            .put(format!("{}/__double/faults", self.url))
            .json(&faults)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
    }

    async fn sender_id(&self, user: u64) -> Value {
        let (status, body) = self.get(&format!("/api/v2/users/{user}.json")).await;
        assert_eq!(status, StatusCode::OK);
        body["user"]["user_fields"]["senderId"].clone()
    }

    /// Polls a job until it leaves `queued`/`working`; returns every status seen and the last body.
    async fn finish(&self, job: &Value) -> (Vec<String>, Value) {
        let id = job["job_status"]["id"].as_str().unwrap();
        let mut seen = vec![job["job_status"]["status"].as_str().unwrap().to_owned()];
        loop {
            let (status, body) = self.get(&format!("/api/v2/job_statuses/{id}.json")).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let s = body["job_status"]["status"].as_str().unwrap().to_owned();
            if seen.last() != Some(&s) {
                seen.push(s.clone());
            }
            if s != "queued" && s != "working" {
                return (seen, body["job_status"].clone());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

fn ids(body: &Value) -> Vec<u64> {
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn only_an_active_staff_members_api_token_authenticates() {
    let zd = start().await;
    let plain = zd
        .http
        .get(format!("{}/api/v2/users/1001.json", zd.url))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        plain.json::<Value>().await.unwrap(),
        json!({ "error": "Couldn't authenticate you" })
    );
    for (user, password) in [
        (format!("{ANN}/token"), "wrong-token"),
        (
            "lucia.fernandez@example.es/token".to_owned(),
            seed::DEMO_API_TOKEN,
        ), // an end user
        (ANN.to_owned(), seed::DEMO_API_TOKEN), // password form, not the token form
    ] {
        let res = zd
            .http
            .get(format!("{}/api/v2/users/1001.json", zd.url))
            .basic_auth(&user, Some(password))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{user}:{password}");
    }
    let (status, me) = zd
        .call(
            Method::GET,
            "/api/v2/users/me.json",
            "ANN@example.com",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["user"]["id"].as_u64(), me["user"]["role"].as_str()),
        (Some(7), Some("agent"))
    );
}

#[tokio::test]
async fn users_page_by_cursor_with_links_and_a_role_filter() {
    let zd = start().await;
    let mut path = "/api/v2/users.json?page[size]=3&role=end-user".to_owned();
    let mut walked = Vec::new();
    loop {
        let (status, body) = zd.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        walked.extend(ids(&body));
        assert_eq!(
            body["meta"]["after_cursor"].is_string(),
            !body["users"].as_array().unwrap().is_empty()
        );
        if !body["meta"]["has_more"].as_bool().unwrap() {
            assert!(body["links"]["next"].is_null(), "{body}");
            break;
        }
        let next = body["links"]["next"].as_str().unwrap();
        path = next
            .strip_prefix(&zd.url)
            .expect("links point at the host that was called")
            .to_owned();
    }
    assert_eq!(walked, (1001..=1008).collect::<Vec<_>>());

    // Backwards from the last page's first user.
    let (_, last) = zd
        .get("/api/v2/users.json?page[size]=3&role[]=end-user&page[after]=u3ec")
        .await; // after 1004
    assert_eq!(ids(&last), [1005, 1006, 1007]);
    let before = last["meta"]["before_cursor"].as_str().unwrap();
    let (_, prev) = zd
        .get(&format!(
            "/api/v2/users.json?page[size]=3&role[]=end-user&page[before]={before}"
        ))
        .await;
    assert_eq!(ids(&prev), [1002, 1003, 1004]);

    let (_, staff) = zd
        .get("/api/v2/users.json?page[size]=100&role[]=agent&role[]=admin")
        .await;
    assert_eq!(ids(&staff), [7, 8, 9]);

    // The count the bulk page shows progress against ("3,400 of about 12,000").
    let (status, count) = zd.get("/api/v2/users/count.json?role=end-user").await;
    assert_eq!(status, StatusCode::OK, "{count}");
    assert_eq!(count["count"]["value"], walked.len());
    assert!(
        count["count"]["refreshed_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let (_, all) = zd.get("/api/v2/users/count.json").await;
    assert_eq!(all["count"]["value"], walked.len() + 3);
    let (status, _) = zd.get("/api/v2/users/count.json?role=customer").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    for bad in [
        "page[size]=101",
        "page[size]=0",
        "page[after]=1001",
        "role=customer",
    ] {
        let (status, body) = zd.get(&format!("/api/v2/users.json?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["description"].is_string(), "{bad}: {body}");
    }

    // Offset pagination, Zendesk's older style, when no page[...] parameter is given.
    let (_, offset) = zd.get("/api/v2/users.json?per_page=5&page=2").await;
    assert_eq!(offset["count"], 11);
    assert_eq!(ids(&offset), [1003, 1004, 1005, 1006, 1007]);
    assert!(
        offset["next_page"]
            .as_str()
            .unwrap()
            .ends_with("page=3&per_page=5")
    );
}

#[tokio::test]
async fn a_user_is_read_and_its_custom_field_written() {
    let zd = start().await;
    let (status, body) = zd.get("/api/v2/users/1003.json").await;
    assert_eq!(status, StatusCode::OK);
    let user = &body["user"];
    assert_eq!(user["url"], format!("{}/api/v2/users/1003.json", zd.url));
    assert_eq!(
        (user["name"].as_str(), user["role"].as_str()),
        (Some("John Perk"), Some("end-user"))
    );
    assert_eq!(
        user["user_fields"],
        json!({ "senderId": null, "telegramUsername": null })
    );

    let put =
        |v: Value| json!({ "user": { "user_fields": { "senderId": v, "noSuchField": "x" } } });
    let (status, body) = zd
        .call(
            Method::PUT,
            "/api/v2/users/1003.json",
            ANN,
            Some(put(json!("7100000002"))),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // An unknown key is ignored, as Zendesk ignores it; the known one is written.
    assert_eq!(
        body["user"]["user_fields"],
        json!({ "senderId": "7100000002", "telegramUsername": null })
    );
    assert_ne!(body["user"]["updated_at"], user["updated_at"]);
    assert_eq!(zd.sender_id(1003).await, "7100000002");

    // An empty string clears a text field; a number is refused and changes nothing.
    zd.call(Method::PUT, "/api/v2/users/1003", ANN, Some(put(json!(""))))
        .await;
    assert_eq!(zd.sender_id(1003).await, Value::Null);
    let (status, body) = zd
        .call(
            Method::PUT,
            "/api/v2/users/1003.json",
            ANN,
            Some(put(json!(7))),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("RecordInvalid"))
    );
    assert!(body["details"]["senderId"].is_array(), "{body}");

    for (path, body, want) in [
        (
            "/api/v2/users/99999.json",
            json!({ "user": {} }),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v2/users/1003.json",
            json!({ "users": {} }),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        assert_eq!(
            zd.call(Method::PUT, path, ANN, Some(body)).await.0,
            want,
            "{path}"
        );
    }
    let raw = zd
        .req(Method::PUT, "/api/v2/users/1003.json", ANN)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        zd.get("/api/v2/nothing.json").await,
        (
            StatusCode::NOT_FOUND,
            json!({ "error": "InvalidEndpoint", "description": "Not found" })
        )
    );
}

#[tokio::test]
async fn agents_update_end_users_only_and_light_agents_nobody() {
    let zd = start().await;
    let body = json!({ "user": { "notes": "changed" } });
    for (who, target, want) in [
        (ANN, 1001, StatusCode::OK),
        (ANN, 8, StatusCode::FORBIDDEN), // an agent may not change an admin
        (ANN, 9, StatusCode::FORBIDDEN), // nor another agent
        (ANN, 7, StatusCode::OK),        // but may change themselves
        (ALEX, 9, StatusCode::OK),       // an admin changes anyone
        (LEE, 1001, StatusCode::FORBIDDEN), // a light agent changes no end user
    ] {
        let (status, answer) = zd
            .call(
                Method::PUT,
                &format!("/api/v2/users/{target}.json"),
                who,
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, want, "{who} → {target}: {answer}");
        if status == StatusCode::FORBIDDEN {
            assert_eq!(answer["error"], "Forbidden");
        }
    }
    let (status, answer) = zd
        .call(Method::PUT, "/api/v2/users/1001.json", LEE, Some(body))
        .await;
    assert!(
        answer["description"]
            .as_str()
            .unwrap()
            .contains("Light agents"),
        "{status} {answer}"
    );
}

#[tokio::test]
async fn show_many_answers_the_ids_that_exist_up_to_a_hundred() {
    let zd = start().await;
    let (status, body) = zd
        .get("/api/v2/users/show_many.json?ids=1003,424242,1001")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ids(&body), [1003, 1001]);
    let many: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    let (status, body) = zd
        .get(&format!(
            "/api/v2/users/show_many.json?ids={}",
            many.join(",")
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        zd.get("/api/v2/users/show_many.json?ids=1,x").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        zd.get("/api/v2/users/show_many.json").await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn search_finds_field_values_and_words_and_lags_behind_writes() {
    let zd = start().await;
    for (query, want) in [
        ("senderId:7100000004", vec![1006]),
        ("SENDERID:7100000004", vec![1006]),
        ("ruiz", vec![1006, 1007]),
        ("ruiz senderId:none", vec![1007]),
        ("email:GRACE@example.net", vec![1005]),
        ("name:\"Maria Ruiz\"", vec![1007]),
        ("role:admin", vec![8]),
        ("unknownField:1", vec![]),
    ] {
        let (status, body) = zd
            .get(&format!(
                "/api/v2/users/search.json?query={}",
                urlencode(query)
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(ids(&body), want, "{query}");
        assert_eq!(body["count"], want.len(), "{query}");
    }

    // A write reaches search only after the lag: the old value is still found, shown as it is now.
    zd.faults(Faults {
        search_lag_ms: 3_600_000,
        ..Faults::default()
    })
    .await;
    let link = json!({ "user": { "user_fields": { "senderId": "7100000002" } } });
    assert_eq!(
        zd.call(Method::PUT, "/api/v2/users/1003.json", ANN, Some(link))
            .await
            .0,
        StatusCode::OK
    );
    let (_, new) = zd
        .get("/api/v2/users/search.json?query=senderId%3A7100000002")
        .await;
    assert_eq!(ids(&new), Vec::<u64>::new());
    let (_, old) = zd
        .get("/api/v2/users/search.json?query=perk%20senderId%3Anone")
        .await;
    assert_eq!(ids(&old), [1003]);
    assert_eq!(old["users"][0]["user_fields"]["senderId"], "7100000002");
    zd.faults(Faults::default()).await;
    let (_, new) = zd
        .get("/api/v2/users/search.json?query=senderId%3A7100000002")
        .await;
    assert_eq!(ids(&new), [1003]);
}

#[tokio::test]
async fn create_or_update_matches_external_id_then_email_case_insensitively() {
    let zd = start().await;
    let path = "/api/v2/users/create_or_update.json";
    let (status, created) = zd
        .call(Method::POST, path, ANN, Some(json!({ "user": { "name": "Jon Perk", "external_id": "tg:7100000002", "user_fields": { "senderId": "7100000002" } } })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["user"]["id"].as_u64().unwrap();
    assert!(id > 1008);
    assert_eq!(
        (
            created["user"]["role"].as_str(),
            created["user"]["user_fields"]["senderId"].as_str()
        ),
        (Some("end-user"), Some("7100000002"))
    );

    let (status, updated) = zd
        .call(
            Method::POST,
            path,
            ANN,
            Some(json!({ "user": { "name": "Jon P.", "external_id": "TG:7100000002" } })),
        )
        .await;
    assert_eq!(
        (status, updated["user"]["id"].as_u64()),
        (StatusCode::OK, Some(id))
    );
    assert_eq!(updated["user"]["name"], "Jon P.");

    let (status, by_email) = zd
        .call(
            Method::POST,
            path,
            ANN,
            Some(json!({ "user": { "name": "Grace B. Hopper", "email": "Grace@Example.net" } })),
        )
        .await;
    assert_eq!(
        (status, by_email["user"]["id"].as_u64()),
        (StatusCode::OK, Some(1005))
    );

    for (body, want) in [
        (
            json!({ "user": { "email": "new@example.com" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ), // a new user needs a name
        (
            json!({ "user": { "name": "New Agent", "role": "agent" } }),
            StatusCode::FORBIDDEN,
        ),
        (json!({ "name": "no user object" }), StatusCode::BAD_REQUEST),
    ] {
        assert_eq!(
            zd.call(Method::POST, path, ANN, Some(body.clone())).await.0,
            want,
            "{body}"
        );
    }
    assert_eq!(
        zd.call(
            Method::POST,
            path,
            LEE,
            Some(json!({ "user": { "name": "X" } }))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (_, by_ext) = zd
        .get("/api/v2/users/search.json?external_id=tg%3A7100000002")
        .await;
    assert_eq!(ids(&by_ext), [id]);
}

#[tokio::test]
async fn update_many_runs_a_job_with_a_result_per_item() {
    let zd = start().await;
    zd.faults(Faults {
        fail_items: vec![1005],
        ..Faults::default()
    })
    .await;
    let users = json!({ "users": [
        { "id": 1003, "user_fields": { "senderId": "7100000002" } },
        { "id": 1004, "user_fields": { "senderId": "7100000003" } },
        { "id": 1005, "user_fields": { "senderId": "7100000009" } },
        { "id": 8, "user_fields": { "senderId": "7100000010" } },
        { "id": 424242, "user_fields": { "senderId": "7100000011" } },
    ] });
    let (status, job) = zd
        .call(
            Method::PUT,
            "/api/v2/users/update_many.json",
            ANN,
            Some(users),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{job}");
    assert_eq!(
        (
            job["job_status"]["status"].as_str(),
            job["job_status"]["total"].as_u64()
        ),
        (Some("queued"), Some(5))
    );
    assert!(
        job["job_status"]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/api/v2/job_statuses/", zd.url))
    );
    let (seen, done) = zd.finish(&job).await;
    assert_eq!(
        seen.last().map(String::as_str),
        Some("completed"),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .all(|s| ["queued", "working", "completed"].contains(&s.as_str())),
        "{seen:?}"
    );
    assert_eq!(done["progress"], 5);
    let results = done["results"].as_array().unwrap();
    assert_eq!(
        results[0],
        json!({ "id": 1003, "action": "update", "success": true, "status": "Updated" })
    );
    assert_eq!(results[1]["status"], "Updated");
    for (result, id, error) in [
        (&results[2], 1005, "RecordInvalid"),
        (&results[3], 8, "Forbidden"),
        (&results[4], 424242, "RecordNotFound"),
    ] {
        assert_eq!(
            (
                result["id"].as_u64(),
                result["status"].as_str(),
                result["error"].as_str()
            ),
            (Some(id), Some("Failed"), Some(error)),
            "{result}"
        );
        assert!(result["details"].is_string(), "{result}");
        assert_eq!(
            (&result["action"], &result["success"]),
            (&json!("update"), &json!(false))
        );
    }
    assert_eq!(zd.sender_id(1003).await, "7100000002");
    assert_eq!(zd.sender_id(1004).await, "7100000003");
    assert_eq!(zd.sender_id(1005).await, Value::Null);
    let writes: Value = zd
        .http
        .get(format!("{}/__double/field-writes", zd.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        writes,
        json!({ "1003": 1, "1004": 1 }),
        "one field write each, none for refused items"
    );

    // One change for several IDs.
    let (_, job) = zd
        .call(
            Method::PUT,
            "/api/v2/users/update_many.json?ids=1003,1004",
            ANN,
            Some(json!({ "user": { "user_fields": { "senderId": null } } })),
        )
        .await;
    zd.finish(&job).await;
    assert_eq!(
        (zd.sender_id(1003).await, zd.sender_id(1004).await),
        (Value::Null, Value::Null)
    );

    let hundred_one: Vec<Value> = (0..101)
        .map(|i| json!({ "id": 1001 + i % 8, "notes": "x" }))
        .collect();
    for body in [
        json!({ "users": hundred_one }),
        json!({ "users": [] }),
        json!({ "users": [{ "notes": "no id" }] }),
    ] {
        assert_eq!(
            zd.call(
                Method::PUT,
                "/api/v2/users/update_many.json",
                ANN,
                Some(body)
            )
            .await
            .0,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        zd.get("/api/v2/job_statuses/ffff.json").await.0,
        StatusCode::NOT_FOUND
    );
    // A light agent, who may edit nobody, is refused before any job exists.
    let one = json!({ "users": [{ "id": 1003, "notes": "x" }] });
    let (status, body) = zd
        .call(
            Method::PUT,
            "/api/v2/users/update_many.json",
            LEE,
            Some(one),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("Forbidden")),
        "{body}"
    );
}

#[tokio::test]
async fn at_most_thirty_jobs_are_in_flight() {
    let zd = start().await;
    // Jobs that take a minute per item stay queued for the whole test.
    zd.faults(Faults {
        job_item_ms: 60_000,
        rate_limit: 1_000,
        ..Faults::default()
    })
    .await;
    let one = json!({ "users": [{ "id": 1003, "notes": "x" }] });
    for i in 0..30 {
        let (status, body) = zd
            .call(
                Method::PUT,
                "/api/v2/users/update_many.json",
                ANN,
                Some(one.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "job {i}: {body}");
    }
    let (status, body) = zd
        .call(
            Method::PUT,
            "/api/v2/users/update_many.json",
            ANN,
            Some(one),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("TooManyJobs")),
        "{body}"
    );
    // A reset forgets the jobs, and they write nothing afterwards.
    assert_eq!(
        zd.http
            .post(format!("{}/__double/reset", zd.url))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(zd.double.snapshot(), seed::hand_made());
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_and_faults_come_and_go() {
    let zd = start().await;
    zd.faults(Faults {
        rate_limit: 3,
        ..Faults::default()
    })
    .await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let res = zd
            .req(Method::GET, "/api/v2/users/1001.json", ANN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["x-rate-limit"], "3");
        remaining.push(
            res.headers()["x-rate-limit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let res = zd
        .req(Method::GET, "/api/v2/users/1001.json", ANN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        res.text().await.unwrap(),
        "Number of allowed API requests per minute exceeded"
    );

    // Storms and bursts last as many requests as asked, whatever the limit.
    zd.faults(Faults {
        storm_429: 2,
        storm_retry_after: 7,
        burst_5xx: 1,
        ..Faults::default()
    })
    .await;
    // The agent interface's own requests are not API requests: no fault, no count, and the storm
    // is still there for the next API request.
    let ui = zd
        .req(Method::GET, "/api/v2/users/1001.json", ANN)
        .header(zendesk_double::INTERNAL, "agent-ui")
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status(), StatusCode::OK);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = zd
            .req(Method::GET, "/api/v2/users/1001.json", ANN)
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(res.headers()["retry-after"], "7");
        }
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [429, 429, 503, 200]);
    assert_eq!(
        zd.faults_now().await,
        json!(Faults {
            storm_retry_after: 7,
            ..Faults::default()
        }),
        "spent faults are back to zero"
    );

    let bad = zd
        .http
        .put(format!("{}/__double/faults", zd.url))
        .json(&json!({ "rate_limit": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.text().await.unwrap().contains("rate_limit"));
}

impl Zd {
    async fn faults_now(&self) -> Value {
        self.http
            .get(format!("{}/__double/faults", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn the_account_persists_in_its_file_and_resets_to_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zendesk.json");
    {
        let zd = start_with(
            Double::open(Some(&file), seed::hand_made(), seed::DEMO_API_TOKEN.into()).unwrap(),
        )
        .await;
        let link = json!({ "user": { "user_fields": { "senderId": "7100000002" } } });
        assert_eq!(
            zd.call(Method::PUT, "/api/v2/users/1003.json", ANN, Some(link))
                .await
                .0,
            StatusCode::OK
        );
        let (_, job) = zd.call(Method::PUT, "/api/v2/users/update_many.json", ANN, Some(json!({ "users": [{ "id": 1004, "user_fields": { "senderId": "7100000003" } }] }))).await;
        zd.finish(&job).await;
        let (status, _) = zd
            .call(
                Method::PUT,
                "/api/v2/tickets/102.json",
                ANN,
                Some(json!({ "ticket": { "requester_id": 1005 } })),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let again = start_with(
        Double::open(Some(&file), seed::hand_made(), seed::DEMO_API_TOKEN.into()).unwrap(),
    )
    .await;
    assert_eq!(again.sender_id(1003).await, "7100000002");
    assert_eq!(again.sender_id(1004).await, "7100000003");
    assert_eq!(
        again.get("/api/v2/tickets/102.json").await.1["ticket"]["requester_id"],
        1005
    );
    again
        .http
        .post(format!("{}/__double/reset", again.url))
        .send()
        .await
        .unwrap();
    let reopened =
        Double::open(Some(&file), seed::hand_made(), seed::DEMO_API_TOKEN.into()).unwrap();
    assert_eq!(reopened.snapshot(), seed::hand_made());

    std::fs::write(&file, b"{\"users\": 3}").unwrap();
    let err = Double::open(Some(&file), seed::hand_made(), seed::DEMO_API_TOKEN.into())
        .err()
        .unwrap();
    assert!(
        err.to_string().contains(&file.display().to_string())
            && err.to_string().contains("--reset"),
        "{err}"
    );
}

#[tokio::test]
async fn user_fields_and_tickets_have_zendesks_list_shapes() {
    let zd = start().await;
    let (_, fields) = zd.get("/api/v2/user_fields.json").await;
    assert_eq!(fields["count"], 2);
    assert_eq!(fields["user_fields"][1]["key"], "telegramUsername");
    let f = &fields["user_fields"][0];
    assert_eq!(
        (f["key"].as_str(), f["type"].as_str(), f["active"].as_bool()),
        (Some("senderId"), Some("text"), Some(true))
    );
    let (_, tickets) = zd.get("/api/v2/tickets.json").await;
    assert_eq!(tickets["tickets"].as_array().unwrap().len(), 3);
    let bad = zd
        .call(
            Method::PUT,
            "/api/v2/tickets/101.json",
            ANN,
            Some(json!({ "ticket": { "requester_id": 5 } })),
        )
        .await;
    assert_eq!(bad.0, StatusCode::UNPROCESSABLE_ENTITY);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn one_user_takes_five_updates_a_minute_and_the_agent_interface_is_not_held_to_it() {
    let zd = start().await;
    let put = |n: u32| {
        Some(json!({ "user": { "user_fields": { "telegramUsername": format!("u{n}") } } }))
    };
    for n in 0..5 {
        let (status, body) = zd
            .call(Method::PUT, "/api/v2/users/1003.json", ANN, put(n))
            .await;
        assert_eq!(status, StatusCode::OK, "update {n}: {body}");
    }
    let res = zd
        .req(Method::PUT, "/api/v2/users/1003.json", ANN)
        .json(&put(5))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // The refused write changed nothing; another user and the agent interface still go through.
    let (_, user) = zd.get("/api/v2/users/1003.json").await;
    assert_eq!(user["user"]["user_fields"]["telegramUsername"], "u4");
    let (status, _) = zd
        .call(Method::PUT, "/api/v2/users/1004.json", ANN, put(6))
        .await;
    assert_eq!(status, StatusCode::OK);
    let res = zd
        .req(Method::PUT, "/api/v2/users/1003.json", ANN)
        .header(zendesk_double::INTERNAL, "1")
        .json(&put(7))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_oauth_access_token_acts_as_the_staff_member_it_was_granted_to() {
    let zd = start().await;
    zd.double.grant_oauth("oauth-for-alex", ALEX);
    let me = |token: &'static str| {
        zd.http
            .get(format!("{}/api/v2/users/me.json", zd.url))
            .bearer_auth(token)
            .send()
    };
    let res = me("oauth-for-alex").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], ALEX);
    assert_eq!(
        me("never-granted").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn rejected_writes_are_zendesks_422_and_reads_go_through() {
    let zd = start().await;
    zd.faults(Faults {
        reject_writes: 1,
        ..Faults::default()
    })
    .await;
    let (status, _) = zd.get("/api/v2/users/1003.json").await;
    assert_eq!(status, StatusCode::OK, "a read is not a write");
    let body = Some(json!({ "user": { "name": "Renamed" } }));
    let (status, refused) = zd
        .call(Method::PUT, "/api/v2/users/1003.json", ANN, body.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"], "RecordInvalid");
    assert!(
        refused["details"]["base"][0]["description"].is_string(),
        "{refused}"
    );
    let (_, user) = zd.get("/api/v2/users/1003.json").await;
    assert_eq!(
        user["user"]["name"], "John Perk",
        "the refused write changed nothing"
    );
    let (status, _) = zd
        .call(Method::PUT, "/api/v2/users/1003.json", ANN, body)
        .await;
    assert_eq!(status, StatusCode::OK, "one write was refused, as asked");
}

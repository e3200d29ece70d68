//! The demo's data, written as Telegram would send it: Bot API `Update` objects and a Telegram
//! Desktop export, with dates placed in the week before `now`. People, names and texts are invented.

use serde_json::{Value, json};

const OWNER: i64 = 7_000_000_001; // the demo business account ("Cerámica Sol")
const LUCIA: i64 = 7_100_000_001;
const ANDREY: i64 = 7_100_000_002;
const JON: i64 = 7_100_000_003;
const MARIA: i64 = 7_100_000_004;
const OLENA: i64 = 7_100_000_005;
const DELETED: i64 = 7_100_000_006;
const CONNECTION: &str = "demo-business-connection";

fn user(id: i64, first: &str, last: Option<&str>, username: Option<&str>) -> Value {
    let mut u = json!({"id": id, "is_bot": false, "first_name": first});
    if let Some(last) = last {
        u["last_name"] = json!(last);
    }
    if let Some(username) = username {
        u["username"] = json!(username);
    }
    u
}

fn private_chat(user: &Value) -> Value {
    let mut chat = user.clone();
    let object = chat.as_object_mut().expect("users are objects");
    object.remove("is_bot");
    object.insert("type".into(), json!("private"));
    chat
}

/// Text with entities from parts `(entity type or "", text)`; offsets in UTF-16 as Telegram counts.
fn rich(parts: &[(&str, &str)]) -> (String, Value) {
    let mut text = String::new();
    let mut entities = Vec::new();
    for (kind, piece) in parts {
        let offset = text.encode_utf16().count();
        text.push_str(piece);
        let length = piece.encode_utf16().count();
        match *kind {
            "" => {}
            "text_link" => entities.push(json!({"type": "text_link", "offset": offset, "length": length, "url": "https://example.com/pedido/4521"})),
            "pre" => entities.push(json!({"type": "pre", "offset": offset, "length": length, "language": "text"})),
            kind => entities.push(json!({"type": kind, "offset": offset, "length": length})),
        }
    }
    (text, json!(entities))
}

struct Script {
    updates: Vec<Value>,
    next_update: i64,
    next_message: i64,
    base: i64,
}

impl Script {
    /// `day` 0 is a week ago; 6 is yesterday.
    fn at(&self, day: i64, hour: i64, minute: i64) -> i64 {
        self.base + day * 86_400 + hour * 3600 + minute * 60
    }

    fn push(&mut self, kind: &str, payload: Value) {
        self.updates
            .push(json!({"update_id": self.next_update, kind: payload}));
        self.next_update += 1;
    }

    /// A message object; the caller adds its content.
    fn message(&mut self, from: &Value, peer: &Value, date: i64, business: bool) -> Value {
        self.next_message += 1;
        let mut m = json!({
            "message_id": self.next_message,
            "from": from,
            "chat": private_chat(peer),
            "date": date,
        });
        if business {
            m["business_connection_id"] = json!(CONNECTION);
        }
        m
    }
}

/// The Bot API updates of the demo, in delivery order.
pub fn updates(now: i64) -> Vec<Value> {
    let week_ago = now - 7 * 86_400;
    let mut s = Script {
        updates: Vec::new(),
        next_update: 500_000_000,
        next_message: 1000,
        base: week_ago - week_ago.rem_euclid(86_400),
    };
    let owner = user(OWNER, "Cerámica", Some("Sol"), Some("ceramica_sol"));
    let lucia = user(LUCIA, "Lucía", Some("Fernández García"), Some("lucia_fg"));

    let connected = s.at(0, 8, 0);
    s.push(
        "business_connection",
        json!({"id": CONNECTION, "user": owner, "user_chat_id": OWNER, "date": connected,
               "can_reply": true, "is_enabled": true}),
    );

    // Lucía: a long business conversation over six days.
    let lines: &[(i64, i64, i64, bool, &str)] = &[
        (
            0,
            9,
            12,
            true,
            "¡Hola! Vi vuestras tazas esmaltadas en Instagram. ¿Hacéis envíos a Valencia?",
        ),
        (
            0,
            9,
            20,
            false,
            "¡Hola Lucía! Sí, enviamos a toda España en 48–72 horas.",
        ),
        (
            0,
            9,
            22,
            true,
            "Genial. Me interesan las tazas azules, las de 350 ml.",
        ),
        (
            0,
            9,
            25,
            false,
            "Tenemos azul cobalto y azul celeste. ¿Cuál te gusta más?",
        ),
        (0, 9, 31, true, "El cobalto. ¿Cuántas tenéis en stock?"),
        (0, 9, 40, false, "Ahora mismo 14 unidades de cobalto."),
        (
            0,
            9,
            41,
            true,
            "Perfecto, necesitaría 12 para un regalo de empresa.",
        ),
        (
            0,
            9,
            45,
            false,
            "Para 12 unidades te hacemos un 10 % de descuento.",
        ),
        (
            0,
            9,
            47,
            true,
            "¡Qué bien! ¿Se pueden personalizar con un logo?",
        ),
        (
            0,
            9,
            55,
            false,
            "Sí, grabamos el logo a mano. Tarda una semana más.",
        ),
        (0, 10, 2, true, "Vale. Os mando el logo esta tarde."),
        (
            0,
            18,
            30,
            true,
            "Ya tengo el logo, pero es muy grande. ¿Qué tamaño necesitáis?",
        ),
        (
            0,
            18,
            42,
            false,
            "Un PNG de al menos 1000 px de ancho nos vale.",
        ),
        (
            1,
            10,
            5,
            true,
            "Buenos días. ¿Qué plazo de entrega tendríamos con el grabado?",
        ),
        (
            1,
            10,
            15,
            false,
            "Unos 10 días laborables desde que confirmes el diseño.",
        ),
        (1, 10, 16, true, "Nos viene justo, el evento es el día 28."),
        (
            1,
            10,
            20,
            false,
            "Podemos priorizar tu pedido si confirmas hoy.",
        ),
        (1, 10, 24, true, "Lo consulto con mi jefa y te digo."),
        (1, 13, 2, true, "Confirmado, ¡adelante!"),
        (1, 13, 10, false, "¡Estupendo! Te preparo el presupuesto."),
        (
            1,
            13,
            11,
            true,
            "Gracias. ¿Necesitáis la dirección de facturación?",
        ),
        (1, 13, 15, false, "Sí, y el NIF de la empresa, por favor."),
        (
            1,
            13,
            30,
            true,
            "Calle de Colón 12, 3.º B, 46004 Valencia. NIF B12345678.",
        ),
        (1, 13, 34, false, "Anotado. ¿El envío a la misma dirección?"),
        (
            1,
            13,
            36,
            true,
            "No, a la oficina: Avenida del Puerto 200, Valencia.",
        ),
        (
            2,
            9,
            0,
            false,
            "Buenos días, Lucía. Ya tenemos la prueba del grabado.",
        ),
        (2, 9, 3, true, "¡Qué ilusión! ¿Me la enseñáis?"),
        (
            2,
            9,
            30,
            true,
            "Me encanta. ¿Se puede hacer el logo un poco más pequeño?",
        ),
        (2, 9, 36, false, "Claro, lo reducimos un 20 %."),
        (2, 9, 37, true, "Perfecto así."),
        (
            2,
            16,
            12,
            true,
            "Una duda: ¿las tazas aguantan el lavavajillas?",
        ),
        (
            2,
            16,
            20,
            false,
            "Sí, el esmalte es apto para lavavajillas y microondas.",
        ),
        (2, 16, 21, true, "Genial, se lo digo a mis compañeros."),
        (3, 11, 0, false, "Las tazas ya están en el horno 🔥"),
        (3, 11, 4, true, "¡Qué rápido! ¿Cuándo salen?"),
        (
            3,
            11,
            10,
            false,
            "Si todo va bien, el jueves por la mañana.",
        ),
        (3, 11, 11, true, "Perfecto."),
        (
            3,
            17,
            45,
            true,
            "¿Podríais incluir una tarjeta con un mensaje?",
        ),
        (3, 17, 50, false, "Sí, sin coste. ¿Qué texto quieres?"),
        (
            3,
            17,
            58,
            true,
            "«Gracias por un año increíble. El equipo de Valencia.»",
        ),
        (
            3,
            18,
            0,
            false,
            "Queda precioso. Lo imprimimos en papel reciclado.",
        ),
        (4, 10, 30, false, "Tu pedido ha salido del taller 📦"),
        (4, 10, 31, true, "¡Bien!"),
        (4, 10, 35, false, "Te llegará mañana antes de las 14:00."),
        (4, 10, 36, true, "Estaré en la oficina toda la mañana."),
        (
            4,
            19,
            2,
            true,
            "Por cierto, ¿hacéis también platos a juego?",
        ),
        (
            4,
            19,
            10,
            false,
            "Sí, platos llanos y de postre en los mismos colores.",
        ),
        (4, 19, 11, true, "Los miraré para Navidad."),
        (5, 12, 40, true, "¡Han llegado las tazas! Son preciosas."),
        (5, 12, 44, false, "¡Qué alegría! Gracias por contarnos."),
        (
            5,
            12,
            50,
            true,
            "Una ha llegado con el asa un poco marcada, nada grave.",
        ),
        (5, 12, 55, false, "Lo sentimos. Te enviamos otra sin coste."),
        (5, 12, 57, true, "Muchas gracias, sois muy amables."),
        (6, 9, 5, true, "Buenos días, ¿me pasáis la factura en PDF?"),
        (6, 9, 20, false, "Claro, te la enviamos ahora."),
        (6, 9, 40, true, "Recibida, gracias."),
    ];
    for &(day, hour, minute, incoming, text) in lines {
        let date = s.at(day, hour, minute);
        let from = if incoming { &lucia } else { &owner };
        let mut m = s.message(from, &lucia, date, true);
        m["text"] = json!(text);
        s.push("business_message", m);
    }

    // Formatting: emoji before the entities, so UTF-16 offsets differ from char offsets.
    let (text, entities) = rich(&[
        ("", "🎉✨ Tu pedido "),
        ("bold", "#4521"),
        ("", " está "),
        ("italic", "confirmado"),
        ("", ". Código de seguimiento: "),
        ("code", "ES-4521-VLC"),
        ("", ". Detalles "),
        ("text_link", "aquí"),
        ("", " o en https://example.com/ayuda · dudas a "),
        ("mention", "@ceramica_soporte"),
    ]);
    let mut entities = entities;
    let url_offset = text.encode_utf16().count()
        - "https://example.com/ayuda · dudas a @ceramica_soporte"
            .encode_utf16()
            .count();
    entities.as_array_mut().expect("array").push(
        json!({"type": "url", "offset": url_offset, "length": "https://example.com/ayuda".len()}),
    );
    let mut m = s.message(&owner, &lucia, s.at(1, 13, 40), true);
    m["text"] = json!(text);
    m["entities"] = entities;
    s.push("business_message", m);

    // Media: a photo with a caption, a voice message, a document.
    let mut m = s.message(&owner, &lucia, s.at(2, 9, 5), true);
    m["photo"] = json!([
        {"file_id": "demo-photo-s", "file_unique_id": "demo-photo-s", "file_size": 18_000, "width": 320, "height": 240},
        {"file_id": "demo-photo-m", "file_unique_id": "demo-photo-m", "file_size": 96_500, "width": 1280, "height": 960}
    ]);
    m["caption"] = json!("Prueba del grabado con vuestro logo");
    m["caption_entities"] = json!([{"type": "bold", "offset": 0, "length": 6}]);
    let photo_id = m["message_id"].clone();
    s.push("business_message", m);

    let mut m = s.message(&lucia, &lucia, s.at(2, 9, 12), true);
    m["voice"] = json!({"file_id": "demo-voice", "file_unique_id": "demo-voice", "duration": 14, "mime_type": "audio/ogg", "file_size": 23_100});
    s.push("business_message", m);

    let mut m = s.message(&owner, &lucia, s.at(6, 9, 22), true);
    m["document"] = json!({"file_id": "demo-doc", "file_unique_id": "demo-doc", "file_name": "Factura-2024-4521.pdf", "mime_type": "application/pdf", "file_size": 84_211});
    m["caption"] = json!("Factura del pedido #4521");
    s.push("business_message", m);

    // A reply quoting the photo.
    let mut m = s.message(&lucia, &lucia, s.at(2, 9, 15), true);
    m["text"] = json!("¡Esta versión es la buena!");
    m["reply_to_message"] = json!({
        "message_id": photo_id, "from": owner, "chat": private_chat(&lucia), "date": s.at(2, 9, 5),
        "caption": "Prueba del grabado con vuestro logo"
    });
    s.push("business_message", m);

    // An edit: Lucía corrects the office address.
    let mut m = s.message(&lucia, &lucia, s.at(1, 13, 37), true);
    m["text"] = json!("Perdón, es el número 20, no 200.");
    let original = m.clone();
    s.push("business_message", m);
    let mut edited = original;
    edited["text"] = json!("Perdón, es Avenida del Puerto 20, 2.ª planta.");
    edited["edit_date"] = json!(s.at(1, 13, 39));
    s.push("edited_business_message", edited);

    // A deleted message: sent by mistake, then deleted by Lucía.
    let mut m = s.message(&lucia, &lucia, s.at(3, 17, 46), true);
    m["text"] = json!("Ups, este mensaje era para otra persona");
    let deleted_id = m["message_id"].clone();
    s.push("business_message", m);
    s.push(
        "deleted_business_messages",
        json!({"business_connection_id": CONNECTION, "chat": private_chat(&lucia), "message_ids": [deleted_id]}),
    );

    // Lucía shares her own contact: her phone, recorded as shared.
    let mut m = s.message(&lucia, &lucia, s.at(1, 13, 31), true);
    m["contact"] = json!({"phone_number": "+34 612 345 678", "first_name": "Lucía", "last_name": "Fernández García", "user_id": LUCIA});
    s.push("business_message", m);

    // And the most recent message, minutes ago.
    let mut m = s.message(&lucia, &lucia, now - 15 * 60, true);
    m["text"] = json!("¿Os puedo encargar 6 platos de postre en cobalto?");
    s.push("business_message", m);

    // Andrey writes to the bot, changes his username, and writes again.
    let old = user(ANDREY, "Андрей", Some("Иванов"), Some("andrei_old"));
    let new = user(ANDREY, "Андрей", Some("Иванов"), Some("andrey_iv"));
    for (day, hour, minute, text, who) in [
        (
            1,
            15,
            0,
            "Здравствуйте! Есть ли у вас кружки в наличии?",
            &old,
        ),
        (1, 15, 2, "Интересуют зелёные, 6 штук.", &old),
        (
            4,
            11,
            30,
            "Это снова я, поменял имя пользователя. Заказ в силе?",
            &new,
        ),
        (4, 11, 31, "Оплатил картой, номер заказа 4588.", &new),
    ] {
        let mut m = s.message(who, who, s.at(day, hour, minute), false);
        m["text"] = json!(text);
        s.push("message", m);
    }

    // María José: a few business messages, no username, no phone.
    let maria = user(MARIA, "María José", Some("Ruiz"), None);
    for (day, hour, minute, incoming, text) in [
        (
            3,
            10,
            0,
            true,
            "Hola, ¿tenéis cuencos grandes para ensalada?",
        ),
        (3, 10, 8, false, "¡Hola María José! Sí, de 25 y 30 cm."),
        (3, 10, 10, true, "El de 30 cm en blanco, por favor."),
        (3, 10, 15, false, "Reservado. Te paso el enlace de pago."),
    ] {
        let from = if incoming { &maria } else { &owner };
        let mut m = s.message(from, &maria, s.at(day, hour, minute), true);
        m["text"] = json!(text);
        s.push("business_message", m);
    }

    // Olena: a few bot messages.
    let olena = user(OLENA, "Олена", Some("Коваленко"), Some("olena_k"));
    for (day, hour, minute, text) in [
        (5, 16, 0, "Добрий день! Чи можна замовити набір тарілок?"),
        (5, 16, 1, "Доставка до Львова можлива?"),
        (5, 16, 5, "Дякую!"),
    ] {
        let mut m = s.message(&olena, &olena, s.at(day, hour, minute), false);
        m["text"] = json!(text);
        s.push("message", m);
    }

    // A deleted account, as the Bot API shows one.
    let gone = user(DELETED, "Deleted Account", None, None);
    for (day, hour, minute, text) in [
        (2, 20, 0, "Quiero cancelar mi pedido."),
        (2, 20, 1, "Gracias por todo."),
    ] {
        let mut m = s.message(&gone, &gone, s.at(day, hour, minute), false);
        m["text"] = json!(text);
        s.push("message", m);
    }
    s.updates
}

/// The demo's Telegram Desktop export (a full export of the business account): its contact list
/// and a personal chat with Jon Perk from before the integration.
pub fn desktop_export(now: i64) -> Value {
    let start = now - 45 * 86_400;
    let start = start - start.rem_euclid(86_400) + 9 * 3600;
    let mut messages = Vec::new();
    let jon = format!("user{JON}");
    let owner = format!("user{OWNER}");
    let lines: &[(i64, &str, Value)] = &[
        (0, &jon, json!("Hi! Do you ship to the UK?")),
        (
            600,
            &owner,
            json!("Hello Jon! Yes, we ship to the UK in about 5 days."),
        ),
        (
            900,
            &jon,
            json!([{"type": "plain", "text": "Great. I'd like the "}, {"type": "bold", "text": "large serving bowl"}, {"type": "plain", "text": " in white."}]),
        ),
        (
            1_200,
            &owner,
            json!([{"type": "plain", "text": "Here it is: "}, {"type": "link", "text": "https://example.com/bowls"}]),
        ),
        (86_400, &jon, json!("Paid. Order 3120.")),
        (86_400 + 300, &owner, json!("Thank you! It ships tomorrow.")),
        (6 * 86_400, &jon, json!("Arrived safely, thanks!")),
    ];
    for (i, (offset, from, text)) in lines.iter().enumerate() {
        let date = start + offset;
        let mut m = json!({
            "id": 200 + i,
            "type": "message",
            "date": "1970-01-01T00:00:00",
            "date_unixtime": date.to_string(),
            "from": if *from == jon { "Jon Perk" } else { "Cerámica Sol" },
            "from_id": from,
            "text": text,
        });
        if i == 6 {
            m["photo"] = json!("photos/photo_1.jpg");
            m["width"] = json!(1280);
            m["height"] = json!(960);
        }
        messages.push(m);
    }
    json!({
        "about": "Here is the data you requested. Remember: Telegram is ad free, it doesn't use your data for ad targeting and doesn't sell it to others.",
        "personal_information": {
            "user_id": OWNER, "first_name": "Cerámica", "last_name": "Sol",
            "phone_number": "+34 600 000 000", "username": "@ceramica_sol", "bio": ""
        },
        "contacts": {
            "about": "This is your contact list.",
            "list": [
                {"user_id": JON, "first_name": "Jon", "last_name": "Perk", "phone_number": "+44 7700 900123",
                 "date": "1970-01-01T00:00:00", "date_unixtime": (start - 86_400).to_string()},
                {"first_name": "Taller", "last_name": "Horno", "phone_number": "+34 961 000 000",
                 "date": "1970-01-01T00:00:00", "date_unixtime": (start - 86_400).to_string()}
            ]
        },
        "chats": {
            "about": "This page lists all chats from this export.",
            "list": [
                {"name": "Jon Perk", "type": "personal_chat", "id": JON, "messages": messages},
                {"name": "Proveedores", "type": "private_group", "id": 4_242_424, "messages": []}
            ]
        }
    })
}

/// The generated crowd's Telegram side (`telegram_identity::testdata::demo_crowd`), one private
/// message each over the last 30 days: a contact card with their own number for those whose
/// number the generator shows (so the relay learns it as shared), a text otherwise. Deleted
/// accounts (no name) are left out: they cannot write.
pub fn crowd_updates(now: i64) -> Vec<Value> {
    const TEXTS: [&str; 4] = [
        "Hello! Is my order on its way?",
        "Hola, ¿tenéis el cuenco grande en azul?",
        "Здравствуйте! Можно оплатить картой?",
        "Hi, I'd like to change my delivery address.",
    ];
    let crowd = telegram_identity::testdata::demo_crowd();
    let mut updates = Vec::with_capacity(crowd.people.len());
    for (i, p) in crowd.people.iter().enumerate() {
        if p.first_name.is_empty() {
            continue;
        }
        let id = p.sender_id.get() as i64;
        let last = Some(p.last_name.as_str()).filter(|l| !l.is_empty());
        let from = user(id, &p.first_name, last, p.username.as_deref());
        // Spread over 30 days, deterministic per person.
        let date = now - 30 * 86_400 + (id.rem_euclid(30 * 86_400 - 3_600));
        let mut message = json!({
            "message_id": 100_000 + i,
            "from": from,
            "chat": private_chat(&from),
            "date": date,
        });
        match &p.phone {
            Some(phone) => {
                let mut card =
                    json!({"phone_number": phone, "first_name": p.first_name, "user_id": id});
                if let Some(last) = last {
                    card["last_name"] = json!(last);
                }
                message["contact"] = card;
            }
            None => message["text"] = json!(TEXTS[i % TEXTS.len()]),
        }
        updates.push(json!({"update_id": 600_000_000 + i, "message": message}));
    }
    updates
}

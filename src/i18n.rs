//! The sidebar's words in English, Spanish and Russian.
//!
//! Every visible string is a [`Text`] key; [`Text::get`] gives it in a [`Locale`]. Strings with
//! values use `{}` placeholders filled in order by [`fill`]. The identity engine's sender-ID
//! messages are English; [`sender_id_error`] translates them by variant.

use telegram_identity::SenderIdError;
use telegram_identity::matching::{EvidenceField, Reason, Strength};

/// A language of the interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Locale {
    /// English, the default. (The order is the column order of [`Text`]'s table.)
    #[default]
    En,
    /// Spanish.
    Es,
    /// Russian.
    Ru,
}

impl Locale {
    /// Picks the locale for a BCP 47 tag such as `es-419`, `ru`, `en-US`; anything else is English.
    pub fn from_tag(tag: &str) -> Locale {
        let lang = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match lang.as_str() {
            "es" => Locale::Es,
            "ru" => Locale::Ru,
            _ => Locale::En,
        }
    }

    /// The BCP 47 tag used for date formatting.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
            Locale::Ru => "ru",
        }
    }
}

/// Replaces each `{}` in `template` with the next value.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut values = values.iter();
    let mut rest = template;
    while let Some(pos) = rest.find("{}") {
        out.push_str(&rest[..pos]);
        out.push_str(values.next().copied().unwrap_or(""));
        rest = &rest[pos + 2..];
    }
    out.push_str(rest);
    out
}

/// `n` with the locale's digit grouping: 12,000 (en), 12.000 (es), 12 000 (ru, a no-break space).
pub fn count(locale: Locale, n: usize) -> String {
    let sep = match locale {
        Locale::En => ',',
        Locale::Es => '.',
        Locale::Ru => '\u{a0}',
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(d);
    }
    out
}

/// Declares a `Text` enum of message keys with their English, Spanish and Russian texts
/// (`Text::Key.get(locale)`); the sidebar's table is below, the bulk page declares its own.
#[macro_export]
macro_rules! texts {
    ($($key:ident => ($en:expr, $es:expr, $ru:expr),)*) => {
        /// A message key.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum Text { $($key,)* }

        impl Text {
            /// The text in `locale`.
            pub fn get(self, locale: $crate::i18n::Locale) -> &'static str {
                // One table indexed by key and locale: smaller wasm than a match over every pair.
                const TABLE: &[[&str; 3]] = &[$([$en, $es, $ru],)*];
                TABLE[self as usize][locale as usize]
            }

            /// Every key, for completeness tests.
            pub const ALL: &'static [Text] = &[$(Text::$key,)*];
        }
    };
}

texts! {
    AppTitle => ("Telegram", "Telegram", "Telegram"),
    Loading => ("Loading…", "Cargando…", "Загрузка…"),
    SenderIdLabel => ("Telegram sender ID", "ID de remitente de Telegram", "ID отправителя в Telegram"),
    NotLinked => ("Not linked to a Telegram person", "Sin vincular a una persona de Telegram", "Не связан с человеком в Telegram"),
    Edit => ("Edit", "Editar", "Изменить"),
    StoredInvalid => ("The field holds a value that is not a Telegram sender ID. {} Edit it, or unlink.",
                      "El campo contiene un valor que no es un ID de Telegram. {} Edítalo o desvincúlalo.",
                      "В поле записано значение, которое не является ID Telegram. {} Измените его или отвяжите."),
    Cancel => ("Cancel", "Cancelar", "Отмена"),
    Check => ("Check", "Comprobar", "Проверить"),
    InputHint => ("An ID, or a name, @username, t.me link or phone to search",
                  "Un ID, o un nombre, @usuario, enlace t.me o teléfono para buscar",
                  "ID, или имя, @username, ссылка t.me или телефон для поиска"),
    SearchSearching => ("Searching Telegram people for “{}”…", "Buscando personas de Telegram: «{}»…", "Ищем людей в Telegram: «{}»…"),
    SearchFound => ("Telegram people matching “{}”: pick one to check it.",
                    "Personas de Telegram que coinciden con «{}»: elige una para comprobarla.",
                    "Люди в Telegram по запросу «{}»: выберите, чтобы проверить."),
    SearchNone => ("Nobody who has written to your business on Telegram matches “{}”.",
                   "Nadie que haya escrito a tu empresa por Telegram coincide con «{}».",
                   "Никто из написавших вашей компании в Telegram не подходит под «{}»."),
    SearchFailed => ("The search did not work: {}", "La búsqueda no funcionó: {}", "Поиск не сработал: {}"),
    Resolving => ("Looking up this ID in the relay…", "Buscando este ID en el servidor de retransmisión…", "Ищем этот ID на ретрансляторе…"),
    PreviewTitle => ("This ID belongs to", "Este ID pertenece a", "Этот ID принадлежит"),
    PreviewUnknown => ("No Telegram person who has written to you has this ID:", "Ninguna persona de Telegram que te haya escrito tiene este ID:", "Ни у кого из писавших вам в Telegram нет этого ID:"),
    PreviewAgrees => ("Matches this contact:", "Coincide con este contacto:", "Совпадает с контактом:"),
    PreviewDisagrees => ("Name, phone and email share nothing with this contact: make sure this is the right person before linking.",
                         "El nombre, el teléfono y el email no coinciden en nada con este contacto: asegúrate de que es la persona correcta antes de vincular.",
                         "Имя, телефон и email ничем не совпадают с этим контактом: убедитесь, что это тот человек, прежде чем связывать."),
    NeverSeen => ("The relay has never seen this ID: no messages from this person yet. Check the ID before saving.",
                  "El servidor de retransmisión nunca ha visto este ID: aún no hay mensajes de esta persona. Comprueba el ID antes de guardar.",
                  "Ретранслятор ещё не видел этот ID: сообщений от этого человека нет. Проверьте ID перед сохранением."),
    Replaces => ("Saving replaces the value the field holds now: {}", "Al guardar se reemplaza el valor actual del campo: {}", "Сохранение заменит текущее значение поля: {}"),
    LastMessage => ("Last message", "Último mensaje", "Последнее сообщение"),
    Save => ("Save", "Guardar", "Сохранить"),
    SaveAnyway => ("Link anyway", "Vincular de todos modos", "Всё равно связать"),
    ConflictIntro => ("Another contact already holds this sender ID:", "Otro contacto ya tiene este ID de remitente:", "Этот ID отправителя уже указан у другого контакта:"),
    ConflictAdvice => ("Linking here too makes two contacts for one person. Merge them in the CRM, or link anyway if that is intended.",
                       "Vincularlo aquí también crea dos contactos para una persona. Fusiónalos en el CRM o vincula de todos modos si es lo que quieres.",
                       "Связав и здесь, вы получите два контакта для одного человека. Объедините их в CRM или свяжите всё равно, если так задумано."),
    Saving => ("Saving…", "Guardando…", "Сохранение…"),
    Saved => ("Saved.", "Guardado.", "Сохранено."),
    Undo => ("Undo", "Deshacer", "Отменить"),
    AutoLinked => ("Linked automatically on {}, when this person first wrote on Telegram.",
                   "Vinculado automáticamente el {}, cuando esta persona escribió por primera vez en Telegram.",
                   "Связано автоматически {}, когда этот человек впервые написал в Telegram."),
    Unlink => ("Unlink", "Desvincular", "Отвязать"),
    Unlinked => ("Unlinked.", "Desvinculado.", "Связь удалена."),
    JournalFailed => ("The field was saved, but the relay's link journal did not record it: {}",
                      "El campo se guardó, pero el diario de vínculos del servidor de retransmisión no lo registró: {}",
                      "Поле сохранено, но журнал связей ретранслятора его не записал: {}"),
    Dismiss => ("Dismiss", "Cerrar", "Закрыть"),
    Retry => ("Retry", "Reintentar", "Повторить"),
    SharedId => ("Another contact also holds this Telegram ID:", "Otro contacto también tiene este ID de Telegram:", "Этот ID Telegram записан и у другого контакта:"),
    SharedIdAdvice => ("A Telegram person belongs to one contact: unlink the one that is wrong.",
                       "Una persona de Telegram corresponde a un solo contacto: desvincula el que sobre.",
                       "Человек в Telegram соответствует одному контакту: отвяжите лишний."),
    LinkedElsewhere => ("Already linked to", "Ya vinculado a", "Уже связан с контактом"),
    CopyId => ("Copy ID", "Copiar ID", "Копировать ID"),
    Copied => ("Copied", "Copiado", "Скопировано"),
    ThisContact => ("This contact:", "Este contacto:", "Этот контакт:"),
    FieldUnreadable => ("The field cannot be read", "No se puede leer el campo", "Поле не читается"),
    Requester => ("Requester:", "Solicitante:", "Автор запроса:"),
    OpenInTelegram => ("Open in Telegram", "Abrir en Telegram", "Открыть в Telegram"),
    PhoneGone => ("gone with the deleted account", "desapareció con la cuenta eliminada", "удалён вместе с аккаунтом"),
    SameProblemAbove => ("Not loaded, for the reason shown above.", "No se ha cargado, por el motivo indicado arriba.", "Не загружено по причине, указанной выше."),
    // Profile
    Username => ("Username", "Nombre de usuario", "Имя пользователя"),
    NoUsername => ("no username", "sin nombre de usuario", "нет имени пользователя"),
    Phone => ("Phone", "Teléfono", "Телефон"),
    PhoneHidden => ("hidden by the person's privacy settings", "oculto por la configuración de privacidad de la persona", "скрыт настройками приватности человека"),
    PhoneFromContacts => ("from a Telegram contact list", "de una lista de contactos de Telegram", "из списка контактов Telegram"),
    DeletedAccount => ("Deleted account: this Telegram account no longer exists. If the person came back, they have a new ID.",
                       "Cuenta eliminada: esta cuenta de Telegram ya no existe. Si la persona volvió, tiene un ID nuevo.",
                       "Удалённый аккаунт: этого аккаунта Telegram больше нет. Если человек вернулся, у него новый ID."),
    LastSeen => ("Last message on {}", "Último mensaje el {}", "Последнее сообщение {}"),
    ChangeHistory => ("Changes", "Cambios", "Изменения"),
    WasUntil => ("{} was {} until {}", "{} era {} hasta el {}", "{}: {} до {}"),
    WasEmptyUntil => ("{} was empty until {}", "{} estaba vacío hasta el {}", "{}: пусто до {}"),
    // Capitalised: each starts a history line ("Username was @old until 3 May").
    FieldFirstName => ("First name", "Nombre", "Имя"),
    FieldLastName => ("Last name", "Apellido", "Фамилия"),
    FieldUsername => ("Username", "Nombre de usuario", "Имя пользователя"),
    FieldPhone => ("Phone", "Teléfono", "Телефон"),
    // Suggestions
    SuggestionsTitle => ("Possible Telegram matches", "Posibles coincidencias en Telegram", "Возможные совпадения в Telegram"),
    NoSuggestions => ("No Telegram person in the relay matches this contact. Enter the sender ID by hand if you know it.",
                      "Ninguna persona de Telegram del servidor de retransmisión coincide con este contacto. Introduce el ID a mano si lo conoces.",
                      "Ни один человек из ретранслятора не похож на этот контакт. Введите ID вручную, если знаете его."),
    Link => ("Link", "Vincular", "Связать"),
    TierAuto => ("strong match", "coincidencia fuerte", "сильное совпадение"),
    TierReview => ("check before linking", "compruébalo antes de vincular", "проверьте перед связыванием"),
    LinkPerson => ("Link {}", "Vincular a {}", "Связать с {}"),
    Searching => ("Matching against the relay's directory…", "Comparando con el directorio del servidor de retransmisión…", "Сравниваем со справочником ретранслятора…"),
    // Conversation
    ConversationTitle => ("Conversation", "Conversación", "Переписка"),
    ReplyLabel => ("Reply", "Respuesta", "Ответ"),
    ReplyPlaceholder => ("Write a reply…", "Escribe una respuesta…", "Напишите ответ…"),
    ReplyHint => ("Enter sends, Shift+Enter adds a line.", "Intro envía, Mayús+Intro añade una línea.", "Enter — отправить, Shift+Enter — новая строка."),
    ReplySend => ("Send", "Enviar", "Отправить"),
    ReplySending => ("Sending…", "Enviando…", "Отправка…"),
    ReplyFailed => ("Not sent: {}", "No enviado: {}", "Не отправлено: {}"),
    ReplyDiscard => ("Discard", "Descartar", "Удалить"),
    ReplyCount => ("{} of {} characters", "{} de {} caracteres", "{} из {} символов"),
    ReplyMustWriteFirst => ("This person has to write to the bot first (or unblock it); then you can answer here.",
                            "Esta persona tiene que escribir primero al bot (o desbloquearlo); después podrás responder aquí.",
                            "Этот человек должен сначала написать боту (или разблокировать его); после этого можно ответить здесь."),
    ReplyWindowClosed => ("Telegram lets a business answer only within 24 hours of the customer's last message; you can reply when they write again.",
                          "Telegram solo deja responder a una empresa en las 24 horas siguientes al último mensaje del cliente; podrás responder cuando vuelva a escribir.",
                          "Telegram разрешает бизнесу отвечать только в течение 24 часов после последнего сообщения клиента; ответить можно, когда он напишет снова."),
    ReplyConnectionOff => ("The business account's connection to the bot is off or may not reply; reconnect the bot in Telegram Business → Chatbots.",
                           "La conexión de la cuenta de empresa con el bot está desactivada o no puede responder; vuelve a conectar el bot en Telegram Business → Chatbots.",
                           "Подключение бизнес-аккаунта к боту отключено или не позволяет отвечать; подключите бота заново в Telegram Business → Чат-боты."),
    ReplyNoToken => ("The relay has no token for this bot, so it cannot send; ask whoever runs the relay to set it (telegram-relay bot set-token).",
                     "El servidor de retransmisión no tiene el token de este bot y no puede enviar; pide a quien gestiona el servidor de retransmisión que lo configure (telegram-relay bot set-token).",
                     "У ретранслятора нет токена этого бота, поэтому он не может отправлять; попросите администратора ретранслятора указать его (telegram-relay bot set-token)."),
    NoMessages => ("No messages with this person yet.", "Aún no hay mensajes con esta persona.", "Сообщений с этим человеком пока нет."),
    LoadingOlder => ("Loading older messages…", "Cargando mensajes anteriores…", "Загружаем более ранние сообщения…"),
    StartOfConversation => ("Start of the conversation", "Inicio de la conversación", "Начало переписки"),
    Incoming => ("Received", "Recibido", "Получено"),
    Outgoing => ("Sent", "Enviado", "Отправлено"),
    Edited => ("edited", "editado", "изменено"),
    Deleted => ("deleted", "eliminado", "удалено"),
    DeletedMessage => ("This message was deleted in Telegram.", "Este mensaje se eliminó en Telegram.", "Это сообщение удалено в Telegram."),
    ReplyTo => ("In reply to", "En respuesta a", "В ответ на"),
    UnknownMessage => ("an earlier message", "un mensaje anterior", "более раннее сообщение"),
    MediaPhoto => ("Photo", "Foto", "Фото"),
    MediaVideo => ("Video", "Vídeo", "Видео"),
    MediaVideoNote => ("Video message", "Videomensaje", "Видеосообщение"),
    MediaAnimation => ("GIF", "GIF", "GIF"),
    MediaVoice => ("Voice message", "Mensaje de voz", "Голосовое сообщение"),
    MediaAudio => ("Audio", "Audio", "Аудио"),
    MediaDocument => ("File", "Archivo", "Файл"),
    MediaSticker => ("Sticker", "Sticker", "Стикер"),
    MediaLocation => ("Location", "Ubicación", "Местоположение"),
    MediaVenue => ("Place", "Lugar", "Место"),
    MediaContact => ("Contact card", "Tarjeta de contacto", "Контакт"),
    MediaPoll => ("Poll", "Encuesta", "Опрос"),
    MediaOther => ("Attachment", "Adjunto", "Вложение"),
    PollingPaused => ("New messages could not be fetched; retrying in {} s.", "No se pudieron obtener mensajes nuevos; reintento en {} s.", "Не удалось получить новые сообщения; повтор через {} с."),
    // Errors: what happened, then what to do.
    ErrUnreachable => ("The Telegram relay cannot be reached. Check the app's “Relay URL” setting and that the relay is running, then retry.",
                       "No se puede contactar con el servidor de retransmisión de Telegram. Revisa el ajuste “URL del servidor de retransmisión” de la app y que el servidor de retransmisión esté en marcha, y reintenta.",
                       "Ретранслятор Telegram недоступен. Проверьте настройку приложения «URL ретранслятора» и что ретранслятор запущен, затем повторите."),
    ErrUnauthorized => ("The relay refused the app's token (401): the “Relay token” setting is wrong. Ask an admin to paste the tenant's install token into the app settings.",
                        "El servidor de retransmisión rechazó el token de la app (401): el ajuste “Token del servidor de retransmisión” es incorrecto. Pide a un administrador que pegue el token de instalación en los ajustes de la app.",
                        "Ретранслятор отклонил токен приложения (401): неверна настройка «Токен ретранслятора». Попросите администратора вставить токен установки в настройки приложения."),
    ErrNotFound => ("The relay does not know this Telegram person: nobody with this ID has written to your bot or business account. Check the ID.",
                    "El servidor de retransmisión no conoce a esta persona de Telegram: nadie con este ID ha escrito a tu bot o cuenta business. Comprueba el ID.",
                    "Ретранслятор не знает этого человека: никто с этим ID не писал вашему боту или бизнес-аккаунту. Проверьте ID."),
    ErrBadResponse => ("The relay answered with something the app does not understand ({}). Update the relay or the app so their versions match.",
                       "El servidor de retransmisión respondió algo que la app no entiende ({}). Actualiza el servidor de retransmisión o la app para que sus versiones coincidan.",
                       "Ретранслятор ответил непонятными для приложения данными ({}). Обновите ретранслятор или приложение, чтобы версии совпадали."),
    ErrServer => ("The relay failed ({}): {}. Retry in a moment; if it persists, check the relay's logs.",
                  "El servidor de retransmisión falló ({}): {}. Reintenta en un momento; si persiste, revisa los registros del servidor de retransmisión.",
                  "Ошибка ретранслятора ({}): {}. Повторите позже; если не помогает, проверьте логи ретранслятора."),
    ErrRequest => ("The relay rejected the request: {}", "El servidor de retransmisión rechazó la solicitud: {}", "Ретранслятор отклонил запрос: {}"),
    ErrFieldMissing => ("The contact has no custom field “{}”. Ask an admin to create a user field with this key, or set the app's “custom field key” setting to the right key.",
                        "El contacto no tiene el campo personalizado “{}”. Pide a un administrador que cree un campo de usuario con esta clave o que corrija el ajuste “clave del campo” de la app.",
                        "У контакта нет пользовательского поля «{}». Попросите администратора создать поле пользователя с этим ключом или исправить настройку приложения «ключ поля»."),
    ErrNoContact => ("No contact is open here: open a user or a ticket with a requester.", "No hay ningún contacto abierto: abre un usuario o un ticket con solicitante.", "Контакт не открыт: откройте пользователя или тикет с автором."),
    ErrHost => ("The CRM refused the operation: {}. Reload the page and retry.", "El CRM rechazó la operación: {}. Recarga la página y reintenta.", "CRM отклонила операцию: {}. Перезагрузите страницу и повторите."),
    ErrRelayUrlMissing => ("The app's “Relay URL” setting is empty. Ask an admin to enter the relay's address in the app's settings.",
                           "El ajuste “URL del servidor de retransmisión” de la app está vacío. Pide a un administrador que introduzca la dirección del servidor de retransmisión en los ajustes de la app.",
                           "Настройка приложения «URL ретранслятора» пуста. Попросите администратора указать адрес ретранслятора в настройках приложения."),
    ErrNoAnswer => ("The Telegram relay took the request but has not answered in {} s. It may be overloaded or stuck: retry, and tell your admin if it keeps happening.",
                    "El servidor de retransmisión de Telegram recibió la petición pero no ha respondido en {} s. Puede estar sobrecargado o bloqueado: reintenta y avisa a tu administrador si se repite.",
                    "Ретранслятор Telegram принял запрос, но не ответил за {} с. Возможно, он перегружен или завис: повторите и сообщите администратору, если это повторяется."),
    ErrRelayUrlInvalid => ("The app's “Relay URL” setting is “{}”, which is not an https:// address. Ask an admin to enter the relay's full address, starting with https://, in the app's settings.",
                           "El ajuste “URL del servidor de retransmisión” de la app es «{}», que no es una dirección https://. Pide a un administrador que introduzca la dirección completa, empezando por https://, en los ajustes de la app.",
                           "Настройка приложения «URL ретранслятора» — «{}», это не адрес https://. Попросите администратора указать полный адрес, начиная с https://, в настройках приложения."),
    ErrConfig => ("The app is not configured: {}", "La app no está configurada: {}", "Приложение не настроено: {}"),
    // nav_bar
    BulkTitle => ("Bulk linking", "Vinculación masiva", "Массовое связывание"),
    BulkLater => ("Bulk linking has its own page: reinstall the app.", "La vinculación masiva tiene su propia página: reinstala la app.", "У массового связывания своя страница: переустановите приложение."),
}

/// A sender-ID parse error in `locale`: the identity engine's own message in English, a
/// translation of the same advice otherwise.
pub fn sender_id_error(locale: Locale, err: &SenderIdError) -> String {
    use SenderIdError as E;
    sentence(match locale {
        Locale::En => err.to_string(),
        Locale::Es => match err {
            E::Empty => "el ID está vacío: pega el ID numérico de Telegram de la persona, como 7100000001".into(),
            E::Zero => "0 no es un ID de Telegram (empiezan en 1): comprueba que copiaste el ID completo".into(),
            E::NotDigits { found } => format!("«{found}» no puede aparecer en un ID: es un número entero (se aceptan espacios entre grupos, el prefijo user123 y enlaces tg://user?id=)"),
            E::TooLarge => "el número es mayor que cualquier ID de Telegram (52 bits): busca dígitos de más o dos IDs pegados".into(),
            E::Negative => "un ID negativo es de un grupo o canal, no de una persona: usa el ID de quien escribió el mensaje".into(),
            E::Scientific => "una hoja de cálculo convirtió este número a notación científica (como 1.23457E+09) y perdió sus últimos dígitos: formatea la columna como texto y copia el ID de nuevo".into(),
            E::Decimal => "un ID es un número entero, pero este tiene decimales: cópialo de nuevo como texto, solo dígitos".into(),
            E::Username { username } => format!("@{username} es un nombre de usuario, que su dueño puede cambiar: pega el ID numérico o elige a la persona en los resultados de búsqueda"),
            E::PhoneNumber => "esto parece un teléfono, no un ID: pega el ID numérico de Telegram de la persona o elígela en los resultados de búsqueda".into(),
        },
        Locale::Ru => match err {
            E::Empty => "ID пуст: вставьте числовой ID пользователя Telegram, например 7100000001".into(),
            E::Zero => "0 — не ID Telegram (они начинаются с 1): проверьте, что ID скопирован целиком".into(),
            E::NotDigits { found } => format!("«{found}» не может быть в ID: это целое число (допустимы пробелы между группами цифр, префикс user123 и ссылки tg://user?id=)"),
            E::TooLarge => "Число больше любого ID Telegram (52 бита): проверьте лишние цифры или два склеенных ID".into(),
            E::Negative => "Отрицательный ID принадлежит группе или каналу, а не человеку: используйте ID автора сообщения".into(),
            E::Scientific => "Таблица превратила число в экспоненциальную запись (как 1.23457E+09), и последние цифры потеряны: сделайте столбец текстовым и скопируйте ID заново".into(),
            E::Decimal => "ID — целое число, а здесь есть дробная часть: скопируйте ID заново как текст, только цифры".into(),
            E::Username { username } => format!("@{username} — имя пользователя, его владелец может его сменить: вставьте числовой ID или выберите человека в результатах поиска"),
            E::PhoneNumber => "Это похоже на телефон, а не на ID: вставьте числовой ID пользователя Telegram или выберите человека в результатах поиска".into(),
        },
    })
}

/// An engine message as a sentence for the agent: the first letter upper-cased, Markdown code
/// marks dropped, a full stop at the end.
pub fn sentence(message: String) -> String {
    let mut out = message.replace('`', "");
    if let Some(first) = out.get(..1)
        && first.bytes().all(|b| b.is_ascii_lowercase())
    {
        out.replace_range(..1, &first.to_ascii_uppercase());
    }
    if !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
}

/// A matching reason in `locale`: the identity engine's own phrase in English (`phone equal`,
/// `name close: Jon Perk ~ John Perk`), the same phrase translated otherwise. The matches are
/// exhaustive, so a new kind of evidence in the engine does not compile until it is translated.
pub fn reason_text(locale: Locale, reason: &Reason) -> String {
    use EvidenceField as F;
    use Strength as S;
    let w = match locale {
        Locale::En => return reason.describe(),
        Locale::Es => &ES_REASONS,
        Locale::Ru => &RU_REASONS,
    };
    let field = match reason.field {
        F::Phone => w.phone,
        F::Username => w.username,
        F::EmailUsername => w.email_username,
        F::UsernameName => w.username_name,
        F::Name => w.name,
    };
    let strength = match reason.strength {
        S::Equal => w.equal,
        S::Close => w.close,
        S::Partial => w.partial,
        S::Different => w.different,
    };
    let (crm, tg) = (reason.crm.as_str(), reason.telegram.as_str());
    match (reason.field, reason.strength) {
        (F::EmailUsername | F::UsernameName, _) => format!("{field}: {crm} ~ @{tg}"),
        (F::Phone, S::Equal) => format!("{field} {strength}"),
        (F::Phone, S::Partial) => format!("{field} {strength} ({}): {crm} ~ {tg}", w.last_digits),
        (F::Username, S::Equal) => format!("{field} {strength}: @{tg}"),
        (_, S::Different) => format!("{field} {strength}: {crm} ≠ {tg}"),
        _ => format!("{field} {strength}: {crm} ~ {tg}"),
    }
}

/// The words of a matching reason in one language.
struct ReasonWords {
    phone: &'static str,
    username: &'static str,
    email_username: &'static str,
    username_name: &'static str,
    name: &'static str,
    equal: &'static str,
    close: &'static str,
    partial: &'static str,
    different: &'static str,
    last_digits: &'static str,
}

const ES_REASONS: ReasonWords = ReasonWords {
    phone: "teléfono",
    username: "nombre de usuario",
    email_username: "el email coincide con el usuario",
    username_name: "el usuario contiene el nombre",
    name: "nombre",
    equal: "igual",
    close: "parecido",
    partial: "coincide en parte",
    different: "distinto",
    last_digits: "últimos 8 dígitos",
};

const RU_REASONS: ReasonWords = ReasonWords {
    phone: "телефон",
    username: "имя пользователя",
    email_username: "email похож на имя пользователя",
    username_name: "имя пользователя содержит имя",
    name: "имя",
    equal: "совпадает",
    close: "похоже",
    partial: "совпадает частично",
    different: "отличается",
    last_digits: "последние 8 цифр",
};

/// "1 message", "5 messages" with the locale's plural rule (Russian has three forms: 1, 21
/// сообщение; 2–4, 22 сообщения; 5–20, 11–14 сообщений).
pub fn message_count(n: u64, locale: Locale) -> String {
    let word = match locale {
        Locale::En => {
            if n == 1 {
                "message"
            } else {
                "messages"
            }
        }
        Locale::Es => {
            if n == 1 {
                "mensaje"
            } else {
                "mensajes"
            }
        }
        Locale::Ru => match (n % 10, n % 100) {
            (1, r) if r != 11 => "сообщение",
            (2..=4, r) if !(12..=14).contains(&r) => "сообщения",
            _ => "сообщений",
        },
    };
    format!("{n} {word}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn message_counts_follow_each_languages_plural_rule() {
        use super::{Locale, message_count};
        assert_eq!(message_count(1, Locale::En), "1 message");
        assert_eq!(message_count(0, Locale::En), "0 messages");
        assert_eq!(message_count(1, Locale::Es), "1 mensaje");
        assert_eq!(message_count(2, Locale::Es), "2 mensajes");
        let ru = |n| message_count(n, Locale::Ru);
        assert_eq!(
            [
                ru(1),
                ru(21),
                ru(2),
                ru(24),
                ru(5),
                ru(11),
                ru(12),
                ru(111),
                ru(101)
            ],
            [
                "1 сообщение",
                "21 сообщение",
                "2 сообщения",
                "24 сообщения",
                "5 сообщений",
                "11 сообщений",
                "12 сообщений",
                "111 сообщений",
                "101 сообщение"
            ]
        );
    }

    use super::*;

    #[test]
    fn counts_are_grouped_by_locale() {
        assert_eq!(count(Locale::En, 0), "0");
        assert_eq!(count(Locale::En, 999), "999");
        assert_eq!(count(Locale::En, 1_000), "1,000");
        assert_eq!(count(Locale::Es, 12_345_678), "12.345.678");
        assert_eq!(count(Locale::Ru, 100_000), "100\u{a0}000");
    }

    #[test]
    fn locale_from_tag() {
        for (tag, want) in [
            ("en-US", Locale::En),
            ("es", Locale::Es),
            ("es-419", Locale::Es),
            ("ru_RU", Locale::Ru),
            ("RU", Locale::Ru),
            ("pt-BR", Locale::En),
            ("", Locale::En),
        ] {
            assert_eq!(Locale::from_tag(tag), want, "tag {tag:?}");
        }
    }

    #[test]
    fn the_table_is_indexed_by_key_and_locale() {
        assert_eq!(Text::ALL.len(), Text::BulkLater as usize + 1);
        assert_eq!(Text::AppTitle.get(Locale::En), "Telegram");
        assert_eq!(Text::Save.get(Locale::En), "Save");
        assert_eq!(Text::Save.get(Locale::Es), "Guardar");
        assert_eq!(Text::Save.get(Locale::Ru), "Сохранить");
        assert_eq!(Text::BulkTitle.get(Locale::Es), "Vinculación masiva");
        for (i, key) in Text::ALL.iter().enumerate() {
            assert_eq!(*key as usize, i, "{key:?}");
        }
    }

    #[test]
    fn fill_replaces_in_order() {
        assert_eq!(
            fill("{} was {} until {}", &["username", "@old", "3 May"]),
            "username was @old until 3 May"
        );
        assert_eq!(fill("no placeholders", &["x"]), "no placeholders");
        assert_eq!(fill("{} and {}", &["one"]), "one and ");
    }

    #[test]
    fn every_text_is_translated_and_placeholders_agree() {
        for &key in Text::ALL {
            let en = key.get(Locale::En);
            for loc in [Locale::Es, Locale::Ru] {
                let t = key.get(loc);
                assert!(!t.trim().is_empty(), "{key:?} empty in {loc:?}");
                assert_eq!(
                    t.matches("{}").count(),
                    en.matches("{}").count(),
                    "{key:?} placeholders in {loc:?}"
                );
            }
        }
    }

    #[test]
    fn reasons_in_three_languages() {
        let r = Reason {
            field: EvidenceField::Name,
            strength: Strength::Close,
            crm: "Jon Perk".into(),
            telegram: "John Perk".into(),
        };
        assert_eq!(reason_text(Locale::En, &r), r.describe());
        assert_eq!(
            reason_text(Locale::Es, &r),
            "nombre parecido: Jon Perk ~ John Perk"
        );
        assert_eq!(
            reason_text(Locale::Ru, &r),
            "имя похоже: Jon Perk ~ John Perk"
        );
        let phone = Reason {
            field: EvidenceField::Phone,
            strength: Strength::Equal,
            crm: "a".into(),
            telegram: "b".into(),
        };
        assert_eq!(reason_text(Locale::Es, &phone), "teléfono igual");
    }

    #[test]
    fn every_reason_is_translated() {
        let fields = [
            EvidenceField::Phone,
            EvidenceField::Username,
            EvidenceField::EmailUsername,
            EvidenceField::UsernameName,
            EvidenceField::Name,
        ];
        let strengths = [
            Strength::Equal,
            Strength::Close,
            Strength::Partial,
            Strength::Different,
        ];
        // Words of the engine's English phrases that must not leak into es/ru.
        let english = [
            "phone",
            "username",
            "name",
            "equal",
            "close",
            "partly",
            "different",
            "digits",
            "contains",
        ];
        for field in fields {
            for strength in strengths {
                let r = Reason {
                    field,
                    strength,
                    crm: "Ωcrm".into(),
                    telegram: "Ωtg".into(),
                };
                let en = reason_text(Locale::En, &r);
                for loc in [Locale::Es, Locale::Ru] {
                    let got = reason_text(loc, &r);
                    let lower = got.to_lowercase();
                    for word in english {
                        assert!(
                            !lower.contains(word),
                            "{field:?}/{strength:?} in {loc:?}: {got:?} has {word:?}"
                        );
                    }
                    // The compared values appear exactly where the English phrase shows them.
                    for value in ["Ωcrm", "Ωtg", "@Ωtg"] {
                        assert_eq!(
                            got.contains(value),
                            en.contains(value),
                            "{field:?}/{strength:?} in {loc:?}: {got:?} vs {en:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn sender_id_errors_follow_the_engine_in_english() {
        let err = telegram_identity::SenderId::parse("@lucia_fg").unwrap_err();
        assert_eq!(sender_id_error(Locale::En, &err), sentence(err.to_string()));
        // Every message, in every language, reads as a sentence: a capital (or a digit, quote or
        // @) first, no Markdown, a full stop last.
        for input in [
            "",
            "0",
            "12ab",
            "99999999999999999",
            "-100123",
            "1.23457E+09",
            "12.5",
            "@lucia_fg",
            "+34 612 345 678",
        ] {
            let err = telegram_identity::SenderId::parse(input).unwrap_err();
            for locale in [Locale::En, Locale::Es, Locale::Ru] {
                let m = sender_id_error(locale, &err);
                let first = m.chars().next().unwrap();
                assert!(!first.is_lowercase(), "{locale:?} {input:?}: {m}");
                assert!(
                    !m.contains('`') && m.ends_with('.'),
                    "{locale:?} {input:?}: {m}"
                );
            }
        }
        assert!(sender_id_error(Locale::Es, &err).contains("@lucia_fg"));
        assert!(sender_id_error(Locale::Ru, &err).contains("@lucia_fg"));
    }
}

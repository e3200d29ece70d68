//! The bulk linking page (Zendesk's `nav_bar`): download the relay's contact info; load every end
//! user, match them with the relay's directory, review, dry run, apply in batches, and undo a run
//! or a batch from the history. The page's state is one [`Model`] behind a `RefCell`; async work
//! (loading, the apply driver) changes it and asks for a redraw.
//!
//! Runs are kept in the relay (`/v1/documents`, keys `bulk-head/<id>` and
//! `bulk-run/<id>/batch/<n>`), saved after every step: the app's iframe is a different site from
//! the agent's page, and browsers that block third-party storage (Chromium does) deny it
//! `localStorage` and IndexedDB, while the relay is reachable from any browser and by every agent
//! of the account. The history is read from the heads; a run's batches are read when it is
//! resumed or undone. A run interrupted mid-way is offered for resuming; each run's own state
//! says which writes are done, so resuming writes no contact twice (see [`crate::run`]).
//!
//! For the same reason the relay's directory is kept in memory only, for as long as the page is
//! open: a second match downloads just the people changed since the first.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use telegram_identity::csv::IdSource;
use telegram_identity::matching::MatchOptions;
use telegram_identity::{CrmContact, TelegramPerson};
use telegram_relay_api::{
    DocumentList, LinkAction, NewLinkEvent, NewLinkEvents, RecordedLinkEvents,
};
use telegram_sidebar::context::AppEnv;
use telegram_sidebar::host::{CrmApi, Method, RelayRequest, encode_component};
use telegram_sidebar::i18n::{Locale, count, fill, reason_text};
use telegram_sidebar::services::relay;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use yew::prelude::*;

use crate::matcher::{FromWorker, ToWorker};
use crate::review::{Category, Review, Row, Tally};
use crate::run::{Batch, Run, RunHead, RunKind, Step};
use crate::zendesk::{JobState, Waiting, Zendesk};

/// The prefix of the relay documents that hold runs' batches (`bulk-run/<id>/batch/<n>`).
pub const RUNS_PREFIX: &str = "bulk-run/";

/// The prefix of the relay documents that hold runs' heads (`bulk-head/<id>`): a few hundred
/// bytes each, so the page lists every run without downloading a batch.
pub const HEADS_PREFIX: &str = "bulk-head/";

/// The page's own styles, on top of the sidebar's (`telegram_sidebar::style`).
pub const CSS: &str = ".bulk{max-width:960px}.bulk ul.rows{list-style:none;padding:0;margin:6px 0;display:grid;gap:4px}\
.bulk .tabs{display:flex;flex-wrap:wrap;gap:4px;margin:8px 0}.bulk .row{display:flex;gap:8px;align-items:center;justify-content:space-between;flex-wrap:wrap}\
.bulk .name{font-weight:600}.bulk input[type=search]{flex:1;min-width:160px}.bulk progress{width:100%}\
.bulk .window{overflow-y:auto;position:relative;border:1px solid var(--ts-border,#d8dcde);border-radius:4px}\
.bulk .window ul{position:relative;margin:0}.bulk .window li{position:absolute;left:4px;right:4px;box-sizing:border-box;overflow:hidden}\
.bulk .window li{padding:6px 10px;margin:0}.bulk .window label{display:inline-flex;gap:4px;align-items:center;white-space:nowrap}\
.bulk .window .line{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;line-height:20px}.bulk select{max-width:60%}";

/// How long a job may stay queued or running before the run pauses and says so (Zendesk runs
/// a batch of 100 in seconds; a job untouched for this long is stuck on Zendesk's side).
const JOB_PATIENCE_MS: f64 = 10.0 * 60_000.0;

/// Height of one review row in the windowed list, in CSS pixels (every row has the same, so
/// the list knows where row k is without measuring: 100,000 rows cost only the visible ones).
const ROW_HEIGHT: usize = 112;

/// Rows visible at once in the list.
const VISIBLE_ROWS: usize = 7;

/// Rows rendered above and below the visible ones, so a fast scroll does not show blanks.
const OVERSCAN: usize = 4;

telegram_sidebar::texts! {
    Title => ("Bulk linking", "Vinculación masiva", "Массовое связывание"),
    StoreFailed => ("The relay could not keep this run's progress ({}). The run stops here so nothing is lost: check the relay, then resume.",
                    "El servidor de retransmisión no pudo guardar el progreso de esta ejecución ({}). Se detiene aquí para no perder nada: revisa el servidor de retransmisión y reanuda.",
                    "Ретранслятор не смог сохранить ход запуска ({}). Запуск остановлен, чтобы ничего не потерять: проверьте ретранслятор и продолжите."),
    LoadFailed => ("The earlier runs could not be read from the relay ({}); their history and undo are not shown.",
                   "No se pudieron leer las ejecuciones anteriores del servidor de retransmisión ({}); no se muestran su historial ni su deshacer.",
                   "Не удалось прочитать прошлые запуски с ретранслятора ({}); их история и отмена не показаны."),
    NeedsZendesk => ("Bulk linking runs inside Zendesk: open it from the app's icon in Zendesk's navigation bar.",
                     "La vinculación masiva funciona dentro de Zendesk: ábrela desde el icono de la app en la barra de navegación de Zendesk.",
                     "Массовое связывание работает внутри Zendesk: откройте его по значку приложения в панели навигации Zendesk."),
    Intro => ("Match every Zendesk customer with the Telegram people the relay knows, review the matches, try a dry run, then link them in batches. Nothing is overwritten, and every run can be undone.",
              "Empareja a cada cliente de Zendesk con las personas de Telegram que conoce el servidor de retransmisión, revisa las coincidencias, haz una prueba y vincúlalos por lotes. No se sobrescribe nada y cada ejecución se puede deshacer.",
              "Сопоставьте всех клиентов Zendesk с людьми Telegram, известными ретранслятору, проверьте совпадения, сделайте пробный запуск и свяжите их пакетами. Ничего не перезаписывается, любой запуск можно отменить."),
    OrUpload => ("…or match a CSV export of your contacts:", "…o empareja una exportación CSV de tus contactos:", "…или сопоставьте CSV-выгрузку контактов:"),
    NotContactsCsv => ("This file is not a contacts CSV: {}. Upload a Zendesk user export (with id, name, email, phone columns).",
                       "Este archivo no es un CSV de contactos: {}. Sube una exportación de usuarios de Zendesk (con columnas id, name, email, phone).",
                       "Этот файл — не CSV с контактами: {}. Загрузите выгрузку пользователей Zendesk (со столбцами id, name, email, phone)."),
    NotZendeskId => ("contact “{}”: the id column holds something that is not a Zendesk user ID; export from Zendesk with its id column, or leave the column out so the email identifies the user",
                     "contacto “{}”: la columna id contiene algo que no es un ID de usuario de Zendesk; exporta desde Zendesk con su columna id, o quita la columna para que el correo identifique al usuario",
                     "контакт «{}»: в столбце id не ID пользователя Zendesk; выгрузите из Zendesk со столбцом id или уберите столбец, чтобы пользователя определял email"),
    NotInZendesk => ("contact “{}”: no Zendesk user has this email or external ID, so there is nothing to link; check the row, or export with the id column",
                     "contacto “{}”: ningún usuario de Zendesk tiene este correo o ID externo, así que no hay nada que vincular; revisa la fila o exporta con la columna id",
                     "контакт «{}»: ни у одного пользователя Zendesk нет такого email или внешнего ID, связывать нечего; проверьте строку или выгрузите со столбцом id"),
    SkippedRows => ("Rows of the file skipped: {}", "Filas del archivo omitidas: {}", "Пропущено строк файла: {}"),
    Download => ("Download Telegram contact info (CSV)", "Descargar contactos de Telegram (CSV)", "Скачать контакты Telegram (CSV)"),
    DownloadWhy => ("For a CRM import or a spreadsheet: one row per Telegram person, with sender ID, names, username and phone.",
                    "Para importar en un CRM o una hoja de cálculo: una fila por persona de Telegram, con ID, nombres, usuario y teléfono.",
                    "Для импорта в CRM или таблицу: по строке на человека в Telegram — ID, имя, username и телефон."),
    Match => ("Match contacts", "Emparejar contactos", "Сопоставить контакты"),
    LoadingContacts => ("Loading contacts from Zendesk: {} so far…", "Cargando contactos de Zendesk: {} hasta ahora…", "Загрузка контактов из Zendesk: пока {}…"),
    LoadingPeople => ("Loading Telegram people from the relay…", "Cargando personas de Telegram del servidor de retransmisión…", "Загрузка людей Telegram с ретранслятора…"),
    LoadingContactsOf => ("Loading contacts from Zendesk: {} of about {}…", "Cargando contactos de Zendesk: {} de unos {}…", "Загрузка контактов из Zendesk: {} из примерно {}…"),
    Matching => ("Matching {} contacts with {} Telegram people…", "Emparejando {} contactos con {} personas de Telegram…", "Сопоставление {} контактов с {} людьми Telegram…"),
    Scored => ("Matching: {} of {} contacts compared", "Emparejando: {} de {} contactos comparados", "Сопоставление: сравнено {} из {} контактов"),
    Cancel => ("Cancel", "Cancelar", "Отмена"),
    Cancelled => ("Matching cancelled. Nothing was written.", "Emparejamiento cancelado. No se escribió nada.", "Сопоставление отменено. Ничего не записано."),
    MatcherFailed => ("The matcher could not run ({}). Reload the page; if it persists, reinstall the app.",
                      "El emparejador no pudo ejecutarse ({}). Recarga la página; si persiste, reinstala la app.",
                      "Сопоставление не запустилось ({}). Перезагрузите страницу; если не поможет, переустановите приложение."),
    PickOther => ("Another candidate", "Otra persona candidata", "Другой кандидат"),
    PickTaken => ("{} is now proposed for another contact: pick another candidate in that row first.",
                  "{} ya está propuesta para otro contacto: elige primero otra persona en esa fila.",
                  "{} уже предложен другому контакту: сначала выберите в той строке другого кандидата."),
    TimeLeft => ("about {} left", "quedan unos {}", "осталось около {}"),
    JobStuck => ("Zendesk has not finished its bulk job {} in {} minutes, so the run is paused. Resume later: the job is checked again, never sent twice.",
                 "Zendesk no ha terminado su tarea masiva {} en {} minutos, así que la ejecución está en pausa. Reanuda más tarde: la tarea se vuelve a comprobar, nunca se envía dos veces.",
                 "Zendesk не завершил пакетное задание {} за {} минут, поэтому запуск приостановлен. Продолжите позже: задание будет проверено снова и не будет отправлено повторно."),
    Confident => ("Confident", "Seguros", "Уверенные"),
    ToDecide => ("To decide", "Por decidir", "На решение"),
    Conflicts => ("Conflicts", "Conflictos", "Конфликты"),
    Linked => ("Already linked", "Ya vinculados", "Уже связаны"),
    Unmatched => ("Unmatched", "Sin coincidencia", "Без совпадений"),
    AcceptAll => ("Accept all confident", "Aceptar todos los seguros", "Принять все уверенные"),
    Search => ("Search by name", "Buscar por nombre", "Поиск по имени"),
    Rows => ("{} rows", "{} filas", "строк: {}"),
    Accept => ("Link", "Vincular", "Связать"),
    SharedWith => ("Same sender ID as contact {}", "Mismo ID que el contacto {}", "Тот же ID, что у контакта {}"),
    DryRun => ("Dry run: Apply would link {} contacts · skip {} · leave {} conflicts as they are. Nothing has been written.",
               "Prueba: Aplicar vincularía {} contactos · omitiría {} · dejaría {} conflictos como están. No se ha escrito nada.",
               "Пробный запуск: будет связано {} контактов · пропущено {} · {} конфликтов останутся как есть. Ничего не записано."),
    DownloadPlan => ("Download the plan (CSV)", "Descargar el plan (CSV)", "Скачать план (CSV)"),
    Apply => ("Apply", "Aplicar", "Применить"),
    Progress => ("{} of {} done · {} written · {} changed since the review, left alone · {} refused", "{} de {} hechos · {} escritos · {} cambiados desde la revisión, sin tocar · {} rechazados", "{} из {} готово · {} записано · {} изменились после проверки, не тронуты · {} отклонено"),
    Pause => ("Pause", "Pausar", "Пауза"),
    Resume => ("Resume", "Reanudar", "Продолжить"),
    RateLimited => ("Zendesk asked us to wait {} s.", "Zendesk nos pidió esperar {} s.", "Zendesk попросил подождать {} с."),
    Retrying => ("Zendesk did not answer; retrying in {} s.", "Zendesk no respondió; reintentando en {} s.", "Zendesk не ответил; повтор через {} с."),
    Finished => ("Finished.", "Terminado.", "Готово."),
    History => ("Runs", "Ejecuciones", "Запуски"),
    RunLine => ("{} of {}: {} written, {} changed since, {} refused", "{} del {}: {} escritos, {} cambiados, {} rechazados", "{} от {}: {} записано, {} изменились, {} отклонено"),
    RunLink => ("Run", "Ejecución", "Запуск"),
    RunUndo => ("Undo", "Deshacer", "Отмена"),
    RunIncomplete => ("The relay holds only part of run {}, so it cannot be resumed or undone from here. Its writes are in the journal.",
                      "El servidor de retransmisión guarda solo parte de la ejecución {}, así que no se puede reanudar ni deshacer desde aquí. Sus escrituras están en el registro.",
                      "В ретрансляторе сохранена только часть запуска {}, поэтому его нельзя продолжить или отменить отсюда. Его записи есть в журнале."),
    UndoRun => ("Undo this run", "Deshacer esta ejecución", "Отменить запуск"),
    UndoBatch => ("Undo batch {}", "Deshacer lote {}", "Отменить пакет {}"),
    ResumeOffer => ("Resume the run of {} ({} of {} done)", "Reanudar la ejecución del {} ({} de {} hechos)", "Продолжить запуск от {} (готово {} из {})"),
    Failures => ("Not written", "No escritos", "Не записаны"),
    FieldMissing => ("Zendesk has no user field with the key “{}”. Create it in Admin Center → People → Configuration → User fields (type Text, field key {}), or correct the app's “Custom field key” setting.",
                     "Zendesk no tiene un campo de usuario con la clave “{}”. Créalo en Admin Center → Personas → Configuración → Campos de usuario (tipo Texto, clave {}), o corrige el ajuste “clave del campo” de la app.",
                     "В Zendesk нет поля пользователя с ключом «{}». Создайте его: Admin Center → Люди → Настройка → Поля пользователей (тип «Текст», ключ {}), или исправьте настройку приложения «ключ поля»."),
}

/// The page's state.
#[derive(Default)]
struct Model {
    busy: Option<String>,
    /// Progress of the loading or matching step the busy line names: done, of about.
    progress: Option<(usize, usize)>,
    /// Counts loading and matching jobs: Cancel moves it on, and a job that sees it moved stops.
    job: u64,
    /// The matching worker, while it runs.
    matching: Option<Matching>,
    notice: Option<String>,
    error: Option<String>,
    contacts: Vec<CrmContact>,
    review: Option<Review>,
    /// What Apply would do with the review as it stands (kept, not recomputed per redraw; the
    /// plan itself is built only for Apply and the CSV).
    tally: Option<Tally>,
    /// The rows of the open tab that match the search, best score first, and what they are for.
    order: Option<((Category, String), Vec<usize>)>,
    /// The list's scroll position, in rows.
    first_row: usize,
    tab: Option<Category>,
    query: String,
    runs: Vec<Run>,
    /// The run being applied, if any.
    driving: Option<usize>,
    /// A run's batches are being loaded to resume or undo it.
    opening: bool,
    /// Picks refused so far (each redraws the menus, so a refused choice is not left selected).
    picks_refused: u64,
    /// Whether the stored runs have been read (until then nothing starts: indices would shift).
    loaded: bool,
    waiting: Option<Waiting>,
    agent: String,
    /// Rows of an uploaded CSV that were skipped, with line and reason.
    skipped_rows: Vec<String>,
    /// The relay's directory as last loaded, and where to continue: a second match on this page
    /// downloads only the people created or changed since.
    directory: BTreeMap<telegram_identity::SenderId, telegram_relay_api::PersonSummary>,
    directory_next: Option<telegram_relay_api::Cursor>,
    /// When this page started driving the current run, and how many items were settled then
    /// (for "about 3 min left").
    clock: Option<(f64, usize)>,
}

impl Model {
    /// Ends whatever loading or matching the busy line shows, and hands back the worker, if one
    /// runs, for the caller to drop (after the worker's own handler returns, when called from it).
    fn idle(&mut self) -> Option<Matching> {
        self.busy = None;
        self.progress = None;
        self.matching.take()
    }

    /// Sets the review (or clears it) and everything derived from it.
    fn set_review(&mut self, review: Option<Review>) {
        self.review = review;
        self.order = None;
        self.reviewed();
    }

    /// After a decision (accept, reject, pick): the plan again. The list keeps its order, so
    /// a row does not jump away from the agent's pointer when its score changes.
    fn reviewed(&mut self) {
        self.tally = self.review.as_ref().map(|r| r.tally(&self.contacts));
    }

    /// The open tab's rows matching the search, best score first (cached until either changes).
    fn ordered_rows(&mut self) -> &[usize] {
        let tab = self.tab.unwrap_or(Category::Confident);
        let key = (tab, self.query.to_lowercase());
        if self.order.as_ref().is_none_or(|(k, _)| *k != key) {
            let rows = match &self.review {
                Some(review) => {
                    let mut rows: Vec<usize> = review
                        .rows
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.category == tab)
                        .filter(|(_, r)| {
                            key.1.is_empty()
                                || self.contacts[r.contact]
                                    .name
                                    .to_lowercase()
                                    .contains(&key.1)
                        })
                        .map(|(i, _)| i)
                        .collect();
                    rows.sort_by(|a, b| {
                        review.rows[*b]
                            .score
                            .total_cmp(&review.rows[*a].score)
                            .then(a.cmp(b))
                    });
                    rows
                }
                None => Vec::new(),
            };
            self.order = Some((key, rows));
        }
        &self.order.as_ref().expect("just set").1
    }
}

/// The page's side of the matching worker: the worker, its handlers (kept alive while it runs),
/// and the rows received so far.
struct Matching {
    worker: web_sys::Worker,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
    rows: Vec<Row>,
}

impl Drop for Matching {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

type Shared = Rc<RefCell<Model>>;

/// The bulk page.
#[derive(Properties)]
pub struct BulkProps {
    /// The host and its context.
    pub env: AppEnv,
    /// The CRM's REST API (the same adapter as `env.host`).
    pub api: Rc<dyn CrmApi>,
}

impl PartialEq for BulkProps {
    fn eq(&self, other: &Self) -> bool {
        self.env == other.env && Rc::ptr_eq(&self.api, &other.api)
    }
}

/// The page component.
#[function_component(BulkPage)]
pub fn bulk_page(props: &BulkProps) -> Html {
    let env = props.env.clone();
    let model: Shared = use_mut_ref(|| Model {
        tab: Some(Category::Confident),
        ..Model::default()
    });
    let redraw = use_force_update();
    let l = env.locale;
    let t = |k: Text| k.get(l);

    let redraw_fn: Rc<dyn Fn()> = {
        let redraw = redraw.clone();
        Rc::new(move || redraw.force_update())
    };
    {
        // The runs kept in the relay, once.
        let (env, model, redraw) = (env.clone(), model.clone(), redraw_fn.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let loaded = load_runs(&env).await;
                let mut m = model.borrow_mut();
                match loaded {
                    Ok(runs) => m.runs = runs,
                    Err(e) => m.error = Some(fill(Text::LoadFailed.get(env.locale), &[&e])),
                }
                m.loaded = true;
                drop(m);
                redraw();
            });
        });
    }
    let zendesk = {
        let model = model.clone();
        let redraw = redraw_fn.clone();
        let paused_model = model.clone();
        Zendesk::new(
            props.api.clone(),
            Rc::new(move |w| {
                model.borrow_mut().waiting = w;
                redraw();
            }),
            Rc::new(move || {
                let m = paused_model.borrow();
                m.driving
                    .and_then(|i| m.runs.get(i))
                    .is_some_and(|r| r.paused)
            }),
        )
    };

    let on_download = {
        let (env, model, redraw) = (env.clone(), model.clone(), redraw_fn.clone());
        Callback::from(move |_| {
            let (env, model, redraw) = (env.clone(), model.clone(), redraw.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let reply = env
                    .host
                    .relay(RelayRequest {
                        method: Method::Get,
                        path: "/v1/export/telegram-contacts.csv".into(),
                        body: None,
                    })
                    .await;
                match reply
                    .map_err(|u| relay::RelayError::Unreachable(u.0))
                    .and_then(relay::classify)
                {
                    Ok(csv) => save_file(&format!("telegram-contacts-{}.csv", today()), &csv),
                    Err(e) => model.borrow_mut().error = Some(relay_error(e, env.locale)),
                }
                redraw();
            });
        })
    };

    let on_match = {
        let (env, model, redraw, zendesk) = (
            env.clone(),
            model.clone(),
            redraw_fn.clone(),
            zendesk.clone(),
        );
        Callback::from(move |_| {
            let (env, model, redraw, zendesk) =
                (env.clone(), model.clone(), redraw.clone(), zendesk.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let job = new_job(&model, env.locale);
                redraw();
                let result = load_and_match(&env, &zendesk, &model, &redraw, None, job).await;
                finish_loading(&model, &redraw, job, result);
            });
        })
    };

    let on_upload = {
        let (env, model, redraw, zendesk) = (
            env.clone(),
            model.clone(),
            redraw_fn.clone(),
            zendesk.clone(),
        );
        Callback::from(move |e: Event| {
            let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value(""); // the same file can be chosen again
            let (env, model, redraw, zendesk) =
                (env.clone(), model.clone(), redraw.clone(), zendesk.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let text = wasm_bindgen_futures::JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|v| v.as_string());
                let job = new_job(&model, env.locale);
                redraw();
                let result = match text {
                    Some(text) => {
                        load_and_match(&env, &zendesk, &model, &redraw, Some(text), job).await
                    }
                    None => Err(fill(
                        Text::NotContactsCsv.get(env.locale),
                        &["the file could not be read as text"],
                    )),
                };
                finish_loading(&model, &redraw, job, result);
            });
        })
    };

    model.borrow_mut().ordered_rows(); // cached for the list below
    let on_cancel = {
        let (model, redraw) = (model.clone(), redraw_fn.clone());
        Callback::from(move |_| {
            cancel(&model, l);
            redraw();
        })
    };
    let m = model.borrow();
    let busy = m.busy.is_some() || m.driving.is_some() || !m.loaded;
    let banner = |text: &str| html! { <p class="banner error" role="alert" data-testid="bulk-error">{ text.to_owned() }</p> };

    let resume_offer = m.runs.iter().rposition(|r| !r.finished()).filter(|_| m.driving.is_none()).map(|i| {
        let r = &m.runs[i];
        let p = r.progress();
        let text = fill(t(Text::ResumeOffer), &[&telegram_sidebar::time::day_and_clock(r.started_at, l), &p.settled().to_string(), &p.total.to_string()]);
        let on = drive_callback(&env, &zendesk, &model, &redraw_fn, i);
        html! { <p class="banner warn" data-testid="resume-offer">{ text }{" "}<button onclick={on} data-testid="resume">{ t(Text::Resume) }</button></p> }
    });

    html! {
        <div class="ts-app bulk" data-testid="bulk-page">
            <h1>{ t(Text::Title) }</h1>
            <p class="muted">{ t(Text::Intro) }</p>
            { for m.error.as_deref().map(banner) }
            { for resume_offer }
            <div class="card">
                <p><button class="secondary" onclick={on_download} data-testid="download-contacts">{ t(Text::Download) }</button></p>
                <p class="small muted">{ t(Text::DownloadWhy) }</p>
            </div>
            <p class="row"><button onclick={on_match} disabled={busy} data-testid="match">{ t(Text::Match) }</button>
               <label class="small">{ t(Text::OrUpload) }{ " " }<input type="file" accept=".csv,text/csv" onchange={on_upload} disabled={busy} data-testid="upload-csv" /></label></p>
            { for (!m.skipped_rows.is_empty()).then(|| html! {
                <details class="banner warn" data-testid="skipped-rows" open=true>
                    <summary>{ fill(t(Text::SkippedRows), &[&m.skipped_rows.len().to_string()]) }</summary>
                    <ul>{ for m.skipped_rows.iter().take(50).map(|r| html! { <li>{ r.clone() }</li> }) }</ul>
                </details>
            }) }
            { for m.notice.clone().map(|n| html! { <p class="notice" role="status" data-testid="bulk-notice">{ n }</p> }) }
            { for m.busy.clone().map(|b| html! {
                <div class="card" data-testid="bulk-busy">
                    <p role="status" data-testid="bulk-busy-line">{ b }</p>
                    { for m.progress.map(|(done, of)| html! { <progress max={of.to_string()} value={done.to_string()} data-testid="bulk-progress"></progress> }) }
                    { for (m.driving.is_none()).then(|| html! { <button class="secondary" onclick={on_cancel.clone()} data-testid="cancel">{ t(Text::Cancel) }</button> }) }
                </div>
            }) }
            { for m.waiting.clone().map(|w| html! { <p class="banner warn" role="status" data-testid="bulk-waiting">{ match w {
                Waiting::RateLimited(s) => fill(t(Text::RateLimited), &[&s.to_string()]),
                Waiting::Retrying(s) => fill(t(Text::Retrying), &[&s.to_string()]),
            } }</p> }) }
            { review_view(&m, &env, &model, &redraw_fn, &zendesk) }
            { runs_view(&m, &env, &model, &redraw_fn, &zendesk) }
        </div>
    }
}

/// Loads every end user (or reads an uploaded CSV export) and the whole directory, and hands them
/// to the matching worker. Stops quietly when Cancel has moved `job` on.
async fn load_and_match(
    env: &AppEnv,
    zendesk: &Zendesk,
    model: &Shared,
    redraw: &Rc<dyn Fn()>,
    upload: Option<String>,
    job: u64,
) -> Result<(), String> {
    let l = env.locale;
    let key = env.ctx.field_key.clone();
    let current = || model.borrow().job == job;
    let keys = zendesk.field_keys().await.map_err(|e| e.message())?;
    if !keys.contains(&key) {
        return Err(fill(Text::FieldMissing.get(l), &[&key, &key]));
    }
    model.borrow_mut().agent = zendesk.me().await.map_err(|e| e.message())?;
    let contacts = match upload {
        Some(text) => {
            let read = telegram_identity::csv::read_crm_contacts_with_sources(&text)
                .map_err(|e| fill(Text::NotContactsCsv.get(l), &[&e.to_string()]))?;
            let mut skipped: Vec<String> = read.errors.iter().map(ToString::to_string).collect();
            // Apply writes by Zendesk user ID: rows identified by email or external ID (Zendesk's
            // own user export has no id column) are looked up first.
            // An id column holds Zendesk's IDs; a numeric external ID is another system's and is
            // looked up like any other.
            let mut ids = Vec::new();
            let mut others = Vec::new();
            for (c, source) in read.records {
                match source {
                    IdSource::Id if c.id.parse::<u64>().is_ok() => ids.push(c),
                    IdSource::Id => skipped.push(fill(Text::NotZendeskId.get(l), &[&c.id])),
                    IdSource::ExternalId | IdSource::Email => others.push((c, source)),
                }
            }
            if !others.is_empty() {
                match resolve_rows(zendesk, &key, others, model, redraw, l, job).await? {
                    Some((found, missing)) => {
                        ids.extend(found);
                        skipped.extend(missing);
                    }
                    None => return Ok(()),
                }
            }
            model.borrow_mut().skipped_rows = skipped;
            ids
        }
        None => match zendesk_contacts(zendesk, &key, model, redraw, l, job).await? {
            Some(contacts) => contacts,
            None => return Ok(()),
        },
    };
    if !current() {
        return Ok(());
    }
    match_contacts(env, model, redraw, contacts, job).await
}

/// Finds the Zendesk users of uploaded rows identified by external ID (`show_many`, 100 at a
/// time) or by email (every end user is listed once and matched case-insensitively). Answers
/// the rows with their Zendesk IDs and the field's current value, and a reason for each row no
/// user matches; `None` when Cancel stopped it.
async fn resolve_rows(
    zendesk: &Zendesk,
    key: &str,
    rows: Vec<(CrmContact, IdSource)>,
    model: &Shared,
    redraw: &Rc<dyn Fn()>,
    l: Locale,
    job: u64,
) -> Result<Option<(Vec<CrmContact>, Vec<String>)>, String> {
    let (by_email, by_external): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|(_, s)| *s == IdSource::Email);
    let by_email: Vec<CrmContact> = by_email.into_iter().map(|(c, _)| c).collect();
    let by_external: Vec<CrmContact> = by_external.into_iter().map(|(c, _)| c).collect();
    // (by email?, lower-cased identifier) → (Zendesk ID, the field's value now). Zendesk matches
    // both case-insensitively.
    let mut users: BTreeMap<(bool, String), (String, Option<telegram_identity::SenderId>)> =
        BTreeMap::new();
    let field = |u: &crate::zendesk::User| {
        u.user_fields
            .get(key)
            .and_then(|v| v.0.as_deref())
            .and_then(|v| v.parse().ok())
    };
    let wanted: Vec<String> = by_external.iter().map(|c| c.id.clone()).collect();
    for chunk in wanted.chunks(100) {
        for u in zendesk
            .users_by_external_id(chunk)
            .await
            .map_err(|e| e.message())?
        {
            if let Some(x) = &u.external_id {
                users.insert((false, x.to_lowercase()), (u.id.to_string(), field(&u)));
            }
        }
        if model.borrow().job != job {
            return Ok(None);
        }
    }
    if !by_email.is_empty() {
        let Some(all) = zendesk_contacts(zendesk, key, model, redraw, l, job).await? else {
            return Ok(None);
        };
        for c in all {
            for e in &c.emails {
                users.insert((true, e.to_lowercase()), (c.id.clone(), c.sender_id));
            }
        }
    }
    let mut found = Vec::new();
    let mut missing = Vec::new();
    let rows = by_external
        .into_iter()
        .map(|c| (false, c))
        .chain(by_email.into_iter().map(|c| (true, c)));
    for (email, row) in rows {
        match users.get(&(email, row.id.to_lowercase())) {
            Some((id, sender_id)) => found.push(CrmContact {
                id: id.clone(),
                sender_id: *sender_id,
                ..row
            }),
            None => missing.push(fill(Text::NotInZendesk.get(l), &[&row.id])),
        }
    }
    Ok(Some((found, missing)))
}

/// Starts a loading and matching job: clears what the last one left and answers its number.
fn new_job(model: &Shared, l: Locale) -> u64 {
    let mut m = model.borrow_mut();
    m.job += 1;
    m.error = None;
    m.notice = None;
    m.matching = None;
    m.contacts = Vec::new();
    m.set_review(None);
    m.skipped_rows = Vec::new();
    m.busy = Some(fill(Text::LoadingContacts.get(l), &["0"]));
    m.progress = None;
    m.job
}

/// Ends a loading step: clears the busy line unless the worker is still matching, shows the
/// error if there is one, redraws.
fn finish_loading(model: &Shared, redraw: &Rc<dyn Fn()>, job: u64, result: Result<(), String>) {
    let mut m = model.borrow_mut();
    if m.job != job {
        return; // cancelled, or a newer job runs: this one has nothing left to say
    }
    if m.matching.is_none() || result.is_err() {
        m.idle();
    }
    if let Err(e) = result {
        m.error = Some(e);
    }
    drop(m);
    redraw();
}

/// Every end user, through cursor pagination, with progress against Zendesk's count; `None`
/// when Cancel stopped it.
async fn zendesk_contacts(
    zendesk: &Zendesk,
    key: &str,
    model: &Shared,
    redraw: &Rc<dyn Fn()>,
    l: Locale,
    job: u64,
) -> Result<Option<Vec<CrmContact>>, String> {
    // Only for the progress line: without it, "so far" is said instead.
    let about = zendesk.end_user_count().await.ok().filter(|&n| n > 0);
    let mut contacts = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let (users, next) = zendesk
            .end_users(cursor.as_deref())
            .await
            .map_err(|e| e.message())?;
        if model.borrow().job != job {
            return Ok(None);
        }
        for u in users {
            let sender_id = u
                .user_fields
                .get(key)
                .and_then(|v| v.0.as_deref())
                .and_then(|v| v.parse().ok());
            contacts.push(CrmContact {
                id: u.id.to_string(),
                name: u.name,
                phones: u.phone.into_iter().collect(),
                emails: u.email.into_iter().collect(),
                username: None,
                sender_id,
            });
        }
        {
            let mut m = model.borrow_mut();
            let done = contacts.len();
            m.busy = Some(match about {
                // The count is approximate: never say "12,100 of about 12,000".
                Some(n) => fill(
                    Text::LoadingContactsOf.get(l),
                    &[&count(l, done), &count(l, n.max(done))],
                ),
                None => fill(Text::LoadingContacts.get(l), &[&count(l, done)]),
            });
            m.progress = about.map(|n| (done, n.max(done)));
        }
        redraw();
        match next {
            Some(c) if cursor.as_ref() != Some(&c) => cursor = Some(c),
            _ => break,
        }
    }
    Ok(Some(contacts))
}

/// Loads the relay's directory and has the worker match `contacts` with it; the worker's
/// messages then fill in the review (see [`start_worker`]).
async fn match_contacts(
    env: &AppEnv,
    model: &Shared,
    redraw: &Rc<dyn Fn()>,
    contacts: Vec<CrmContact>,
    job: u64,
) -> Result<(), String> {
    let l = env.locale;
    {
        let mut m = model.borrow_mut();
        m.busy = Some(Text::LoadingPeople.get(l).into());
        m.progress = None;
    }
    redraw();
    refresh_directory(env, model, job).await?;
    if model.borrow().job != job {
        return Ok(());
    }
    let people: Vec<TelegramPerson> = model
        .borrow()
        .directory
        .values()
        .filter(|p| !p.deleted)
        .map(telegram_sidebar::state::suggestions::telegram_person)
        .collect();
    let worker = start_worker(model, redraw, l)?;
    {
        let mut m = model.borrow_mut();
        m.busy = Some(fill(
            Text::Matching.get(l),
            &[&count(l, contacts.len()), &count(l, people.len())],
        ));
        m.progress = Some((0, contacts.len()));
    }
    redraw();
    // In chunks, each its own task, so the page stays responsive while they are copied.
    let send = |message: &ToWorker| -> Result<(), String> {
        let value = crate::matcher::to_js(message)?;
        worker
            .post_message(&value)
            .map_err(|e| fill(Text::MatcherFailed.get(l), &[&format!("{e:?}")]))
    };
    for message in crate::matcher::chunks(&contacts, &people) {
        send(&message)?;
        gloo::timers::future::sleep(std::time::Duration::ZERO).await;
        if model.borrow().job != job {
            return Ok(());
        }
    }
    send(&ToWorker::Match {
        options: MatchOptions {
            region: env.ctx.phone_region.clone(),
        },
    })?;
    model.borrow_mut().contacts = contacts;
    Ok(())
}

/// Brings the page's copy of the relay's directory up to date: everything the first time, then
/// only the people created or changed since the last page's cursor (the relay's `after=`).
/// The copy lives as long as the page: the app's frame gets no browser storage (see the module
/// documentation), so a reload downloads the directory again.
async fn refresh_directory(env: &AppEnv, model: &Shared, job: u64) -> Result<(), String> {
    let mut after = model.borrow().directory_next.clone();
    // Bounded, so a misbehaving relay cannot loop us.
    for _ in 0..10_000 {
        let page = relay::directory(&env.host, after.as_ref())
            .await
            .map_err(|e| relay_error(e, env.locale))?;
        let mut m = model.borrow_mut();
        if m.job != job {
            return Ok(());
        }
        for p in page.people {
            m.directory.insert(p.sender_id, p);
        }
        let more = page.has_more && after.as_ref() != Some(&page.next);
        m.directory_next = Some(page.next.clone());
        after = Some(page.next);
        if !more {
            break;
        }
    }
    Ok(())
}

/// Starts the matching worker (`match-worker.js`, next to this page) and keeps it in the model;
/// its messages move the progress bar, collect the rows, and on `Done` show the review.
fn start_worker(
    model: &Shared,
    redraw: &Rc<dyn Fn()>,
    l: Locale,
) -> Result<web_sys::Worker, String> {
    let failed = |e: wasm_bindgen::JsValue| fill(Text::MatcherFailed.get(l), &[&format!("{e:?}")]);
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("match-worker.js", &options).map_err(failed)?;
    // Ends the matching with an error; the worker is dropped after this handler returns.
    let fail = move |m: &mut Model, why: String| {
        if let Some(matching) = m.idle() {
            wasm_bindgen_futures::spawn_local(async move { drop(matching) });
        }
        m.job += 1;
        m.error = Some(fill(Text::MatcherFailed.get(l), &[&why]));
    };
    let on_message = {
        let (model, redraw) = (model.clone(), redraw.clone());
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let message: Result<FromWorker, _> = serde_wasm_bindgen::from_value(e.data());
            let mut m = model.borrow_mut();
            if m.matching.is_none() {
                return; // cancelled
            }
            match message {
                Ok(FromWorker::Progress { done, total }) => {
                    m.busy = Some(fill(
                        Text::Scored.get(l),
                        &[&count(l, done), &count(l, total)],
                    ));
                    m.progress = Some((done, total));
                }
                Ok(FromWorker::Rows { items }) => {
                    if let Some(matching) = m.matching.as_mut() {
                        matching.rows.extend(items);
                    }
                    return; // nothing new to show
                }
                Ok(FromWorker::Done { .. }) => {
                    let mut matching = m.idle().expect("checked above");
                    let rows = std::mem::take(&mut matching.rows);
                    // Not dropped here: this closure is part of it and is running.
                    wasm_bindgen_futures::spawn_local(async move { drop(matching) });
                    m.set_review(Some(Review { rows }));
                    m.first_row = 0;
                }
                Ok(FromWorker::Failed { message }) => {
                    fail(&mut m, message);
                }
                Err(e) => {
                    fail(&mut m, e.to_string());
                }
            }
            drop(m);
            redraw();
        })
    };
    let on_error = {
        let (model, redraw) = (model.clone(), redraw.clone());
        Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
            let mut m = model.borrow_mut();
            if m.matching.is_some() {
                fail(&mut m, e.message());
            }
            drop(m);
            redraw();
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    model.borrow_mut().matching = Some(Matching {
        worker: worker.clone(),
        _on_message: on_message,
        _on_error: on_error,
        rows: Vec::new(),
    });
    Ok(worker)
}

/// Cancel: stops loading or matching; nothing has been written, so nothing needs undoing.
fn cancel(model: &Shared, l: Locale) {
    let mut m = model.borrow_mut();
    m.job += 1;
    drop(m.idle()); // terminates the worker
    m.contacts = Vec::new();
    m.set_review(None);
    m.notice = Some(Text::Cancelled.get(l).into());
}

fn category_text(c: Category) -> Text {
    match c {
        Category::Confident => Text::Confident,
        Category::Review => Text::ToDecide,
        Category::Conflict => Text::Conflicts,
        Category::Linked => Text::Linked,
        Category::Unmatched => Text::Unmatched,
    }
}

fn review_view(
    m: &Model,
    env: &AppEnv,
    model: &Shared,
    redraw: &Rc<dyn Fn()>,
    zendesk: &Zendesk,
) -> Html {
    let (Some(review), Some(tally)) = (&m.review, m.tally) else {
        return html! {};
    };
    let l = env.locale;
    let t = |k: Text| k.get(l);
    let counts = review.counts();
    let tab = m.tab.unwrap_or(Category::Confident);
    let change = |f: Rc<dyn Fn(&mut Model)>| {
        let (model, redraw) = (model.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            f(&mut model.borrow_mut());
            redraw();
        })
    };
    let tabs = Category::ALL.iter().map(|&c| {
        let on = change(Rc::new(move |m: &mut Model| {
            m.tab = Some(c);
            m.first_row = 0;
        }));
        let label = format!("{} · {}", t(category_text(c)), count(l, counts[&c]));
        html! { <button class={if c == tab { "" } else { "secondary" }} onclick={on} data-testid={format!("tab-{c:?}").to_lowercase()} aria-pressed={(c == tab).to_string()}>{ label }</button> }
    });
    let on_query = {
        let (model, redraw) = (model.clone(), redraw.clone());
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                let mut m = model.borrow_mut();
                m.query = input.value();
                m.first_row = 0;
            }
            redraw();
        })
    };
    let rows: &[usize] = m.order.as_ref().map_or(&[], |(_, rows)| rows);
    let total = rows.len();
    // Windowed: only the rows in view (and a few around them) exist in the page.
    let from = m.first_row.saturating_sub(OVERSCAN).min(total);
    let to = (m.first_row + VISIBLE_ROWS + OVERSCAN).min(total);
    let list = rows[from..to].iter().enumerate().map(|(k, &i)| {
        let r = &review.rows[i];
        let c = &m.contacts[r.contact];
        let top = (from + k) * ROW_HEIGHT;
        let person = r.sender_id.map(|s| format!("{} · {s}", r.person));
        let reasons: Vec<String> = r.reasons.iter().map(|x| reason_text(l, x)).collect();
        let toggle = matches!(r.category, Category::Confident | Category::Review).then(|| {
            let on = change(Rc::new(move |m: &mut Model| {
                if let Some(review) = m.review.as_mut() {
                    let now = review.rows[i].accepted;
                    review.set_accepted(i, !now);
                }
                m.reviewed();
            }));
            html! { <label><input type="checkbox" checked={r.accepted} onclick={on} data-testid="accept" />{ " " }{ t(Text::Accept) }</label> }
        });
        let pick = (!r.choices.is_empty()).then(|| {
            let (model, redraw) = (model.clone(), redraw.clone());
            let on = Callback::from(move |e: Event| {
                let Some(select) = e.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) else { return };
                let Ok(choice) = select.value().parse::<usize>() else { return };
                let mut m = model.borrow_mut();
                let Some(review) = m.review.as_mut() else { return };
                let name = review.rows[i].choices.get(choice).map(|c| c.person.clone()).unwrap_or_default();
                if review.pick(i, choice) {
                    m.notice = None;
                } else {
                    m.notice = Some(fill(Text::PickTaken.get(l), &[&name]));
                    m.picks_refused += 1; // a new menu, showing "—" again
                }
                m.reviewed();
                drop(m);
                redraw();
            });
            html! {
                <div class="line small"><label>{ t(Text::PickOther) }{ ": " }
                    <select key={format!("{}/{}", r.sender_id.map(|s| s.to_string()).unwrap_or_default(), m.picks_refused)} onchange={on} data-testid="pick" aria-label={t(Text::PickOther)}>
                        <option value="" selected=true>{ "—" }</option>
                        { for r.choices.iter().enumerate().map(|(k, ch)| html! {
                            <option value={k.to_string()}>{ format!("{} · {} · {:.0}%", ch.person, ch.sender_id, ch.score * 100.0) }</option>
                        }) }
                    </select></label></div>
            }
        });
        html! {
            <li class="card" style={format!("top:{top}px;height:{}px", ROW_HEIGHT - 6)} data-testid="bulk-row" data-contact={c.id.clone()}>
                <div class="row"><bdi class="name line">{ c.name.clone() }</bdi>{ for toggle }</div>
                { for person.map(|p| html! { <div class="small line">{ "→ " }<bdi>{ p }</bdi></div> }) }
                { for (!reasons.is_empty()).then(|| html! { <div class="small muted line">{ reasons.join("; ") }</div> }) }
                { for (!r.shared_with.is_empty()).then(|| html! { <div class="small muted line">{ fill(t(Text::SharedWith), &[&r.shared_with.join(", ")]) }</div> }) }
                { for pick }
            </li>
        }
    });
    let on_scroll = {
        let (model, redraw) = (model.clone(), redraw.clone());
        Callback::from(move |e: Event| {
            let Some(el) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let first = el.scroll_top().max(0) as usize / ROW_HEIGHT;
            let mut m = model.borrow_mut();
            if m.first_row != first {
                m.first_row = first;
                drop(m);
                redraw();
            }
        })
    };
    let on_accept_all = change(Rc::new(|m: &mut Model| {
        if let Some(r) = m.review.as_mut() {
            r.accept_all(Category::Confident);
        }
        m.reviewed();
    }));
    let dry = fill(
        t(Text::DryRun),
        &[
            &count(l, tally.link),
            &count(l, tally.skipped),
            &count(l, tally.conflicts),
        ],
    );
    let on_plan_csv = {
        let model = model.clone();
        Callback::from(move |_| {
            let m = model.borrow();
            if let Some(review) = &m.review {
                save_file(
                    &format!("telegram-link-plan-{}.csv", today()),
                    &review.plan(&m.contacts).to_csv(),
                );
            }
        })
    };
    let on_apply = {
        let (env, model, redraw, zendesk) =
            (env.clone(), model.clone(), redraw.clone(), zendesk.clone());
        Callback::from(move |_| {
            let mut m = model.borrow_mut();
            if m.driving.is_some() || m.opening {
                return;
            }
            let Some(review) = &m.review else { return };
            let items = review.plan(&m.contacts).items;
            let now = now_secs();
            let run = Run::new(
                run_id("bulk", now),
                RunKind::Link,
                now,
                m.agent.clone(),
                items,
            );
            m.runs.push(run);
            m.set_review(None);
            let index = m.runs.len() - 1;
            drop(m);
            drive(
                env.clone(),
                zendesk.clone(),
                model.clone(),
                redraw.clone(),
                index,
            );
        })
    };
    // A new tab or search starts a new list, scrolled to the top.
    let window_key = format!("{tab:?}/{}", m.query);
    html! {
        <section data-testid="review">
            <div class="tabs">{ for tabs }</div>
            <p class="row"><input type="search" placeholder={t(Text::Search)} aria-label={t(Text::Search)} value={m.query.clone()} oninput={on_query} data-testid="bulk-search" />
               <button class="secondary" onclick={on_accept_all} data-testid="accept-all">{ t(Text::AcceptAll) }</button></p>
            <p class="small muted" data-testid="row-count">{ fill(t(Text::Rows), &[&count(l, total)]) }</p>
            <div class="window" key={window_key} onscroll={on_scroll} data-testid="bulk-list" style={format!("height:{}px", total.clamp(1, VISIBLE_ROWS) * ROW_HEIGHT)}>
                <ul class="rows" style={format!("height:{}px", total * ROW_HEIGHT)}>{ for list }</ul>
            </div>
            <div class="card" data-testid="dry-run">
                <p data-testid="dry-run-counts">{ dry }</p>
                <p class="row"><button class="secondary" onclick={on_plan_csv} data-testid="download-plan">{ t(Text::DownloadPlan) }</button>
                   <button onclick={on_apply} disabled={tally.link == 0 || m.driving.is_some()} data-testid="apply">{ t(Text::Apply) }</button></p>
            </div>
        </section>
    }
}

fn runs_view(
    m: &Model,
    env: &AppEnv,
    model: &Shared,
    redraw: &Rc<dyn Fn()>,
    zendesk: &Zendesk,
) -> Html {
    if m.runs.is_empty() {
        return html! {};
    }
    let l = env.locale;
    let t = |k: Text| k.get(l);
    let list = m.runs.iter().enumerate().rev().map(|(i, r)| {
        let p = r.progress();
        let kind = match r.kind {
            RunKind::Link => t(Text::RunLink),
            RunKind::Undo { .. } => t(Text::RunUndo),
        };
        let line = fill(t(Text::RunLine), &[kind, &telegram_sidebar::time::day_and_clock(r.started_at, l), &p.written.to_string(), &p.changed.to_string(), &p.failed.to_string()]);
        let running = m.driving == Some(i);
        let progress = running.then(|| {
            let mut text = fill(t(Text::Progress), &[&count(l, p.settled()), &count(l, p.total), &count(l, p.written), &count(l, p.changed), &count(l, p.failed)]);
            if let Some(left) = m.clock.and_then(|(since, settled)| time_left(since, settled, p.settled(), p.total)) {
                text.push_str(" · ");
                text.push_str(&fill(t(Text::TimeLeft), &[&left]));
            }
            let on_pause = {
                let (model, redraw) = (model.clone(), redraw.clone());
                Callback::from(move |_| {
                    if let Some(r) = model.borrow_mut().runs.get_mut(i) {
                        r.paused = true;
                    }
                    redraw();
                })
            };
            html! { <><progress max={p.total.to_string()} value={p.settled().to_string()}></progress>
                    <p data-testid="run-progress">{ text }</p>
                    <button class="secondary" onclick={on_pause} data-testid="pause">{ t(Text::Pause) }</button></> }
        });
        let stopped = r.stopped.clone().map(|s| html! { <p class="banner error" role="alert">{ s }</p> });
        let done = r.finished() && !running;
        // What finished undos of this run already covered: the whole run, or these batches.
        let undone: Vec<Option<usize>> = m
            .runs
            .iter()
            .filter(|u| u.finished())
            .filter_map(|u| match &u.kind {
                RunKind::Undo { of, batch } if *of == r.id => Some(*batch),
                _ => None,
            })
            .collect();
        let whole_undone = undone.contains(&None);
        let undo_buttons = (done && r.kind == RunKind::Link && p.written > 0 && !whole_undone).then(|| {
            let undo = |batch: Option<usize>| {
                let (env, model, redraw, zendesk) = (env.clone(), model.clone(), redraw.clone(), zendesk.clone());
                Callback::from(move |_| {
                    let (env, model, redraw, zendesk) = (env.clone(), model.clone(), redraw.clone(), zendesk.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        if !open_run(&env, &model, &redraw, i).await {
                            return;
                        }
                        let mut m = model.borrow_mut();
                        let now = now_secs();
                        let agent = m.agent.clone();
                        let undo = m.runs[i].undo(batch, run_id("undo", now), now, agent);
                        m.runs.push(undo);
                        let index = m.runs.len() - 1;
                        drop(m);
                        drive(env, zendesk, model, redraw, index);
                    });
                })
            };
            let batches = r.written_batches().into_iter().filter(|b| !undone.contains(&Some(*b))).map(|b| {
                html! { <button class="link" onclick={undo(Some(b))} data-testid={format!("undo-batch-{b}")}>{ fill(t(Text::UndoBatch), &[&(b + 1).to_string()]) }</button> }
            });
            html! { <p class="row"><button class="secondary" onclick={undo(None)} data-testid="undo-run">{ t(Text::UndoRun) }</button>{ for batches }</p> }
        });
        let failures: Vec<Html> = r
            .failures()
            .into_iter()
            .map(|f| html! { <li><bdi>{ f.name }</bdi>{ format!(" ({}): {}", f.contact_id, f.error) }</li> })
            .collect();
        html! {
            <li class="card" data-testid="run" data-run={r.id.clone()}>
                <p data-testid="run-line">{ line }{ if done { format!(" · {}", t(Text::Finished)) } else { String::new() } }</p>
                { for progress }
                { for stopped }
                { for (!failures.is_empty()).then(|| html! { <details><summary>{ t(Text::Failures) }</summary><ul>{ for failures }</ul></details> }) }
                { for undo_buttons }
            </li>
        }
    });
    html! { <section data-testid="runs"><h2>{ t(Text::History) }</h2><ul class="rows">{ for list }</ul></section> }
}

fn drive_callback(
    env: &AppEnv,
    zendesk: &Zendesk,
    model: &Shared,
    redraw: &Rc<dyn Fn()>,
    index: usize,
) -> Callback<MouseEvent> {
    let (env, zendesk, model, redraw) =
        (env.clone(), zendesk.clone(), model.clone(), redraw.clone());
    Callback::from(move |_| {
        let (env, zendesk, model, redraw) =
            (env.clone(), zendesk.clone(), model.clone(), redraw.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if !open_run(&env, &model, &redraw, index).await {
                return;
            }
            if let Some(r) = model.borrow_mut().runs.get_mut(index) {
                r.reloaded();
                r.resume();
            }
            drive(env, zendesk, model, redraw, index);
        });
    })
}

/// Makes run `index` whole (its batches loaded from the relay) before it is resumed or undone;
/// `false` (with the reason shown) when that cannot be done or something else is running.
async fn open_run(env: &AppEnv, model: &Shared, redraw: &Rc<dyn Fn()>, index: usize) -> bool {
    let (id, head) = {
        let mut m = model.borrow_mut();
        if m.driving.is_some() || m.opening {
            return false;
        }
        let run = &m.runs[index];
        if !run.needs_batches() {
            return true;
        }
        let head = run.head();
        let id = run.id.clone();
        m.opening = true;
        (id, head)
    };
    let loaded = load_batches(env, &id).await;
    let mut m = model.borrow_mut();
    m.opening = false;
    if m.driving.is_some() {
        return false; // something started meanwhile
    }
    let whole = loaded.map(|batches| Run::from_parts(head, batches));
    let ok = match whole {
        Ok(Some(run)) => {
            m.runs[index] = run;
            true
        }
        Ok(None) => {
            m.error = Some(fill(Text::RunIncomplete.get(env.locale), &[&id]));
            false
        }
        Err(e) => {
            m.error = Some(e);
            false
        }
    };
    drop(m);
    redraw();
    ok
}

/// Runs run `index` until it finishes, pauses or stops; saves it after every step.
fn drive(env: AppEnv, zendesk: Zendesk, model: Shared, redraw: Rc<dyn Fn()>, index: usize) {
    if model.borrow().driving.is_some() {
        return;
    }
    {
        let mut m = model.borrow_mut();
        m.driving = Some(index);
        let settled = m.runs[index].progress().settled();
        m.clock = Some((js_sys::Date::now(), settled));
    }
    if model.borrow().agent.is_empty() {
        // A resumed run journals as the agent resuming it.
        let (model, zendesk) = (model.clone(), zendesk.clone());
        wasm_bindgen_futures::spawn_local(async move {
            if let Ok(agent) = zendesk.me().await {
                model.borrow_mut().agent = agent;
            }
        });
    }
    redraw();
    wasm_bindgen_futures::spawn_local(async move {
        let key = env.ctx.field_key.clone();
        // Every batch stored before the first write, so a reload finds the whole plan.
        let all: Vec<usize> = (0..model.borrow().runs[index].batches.len()).collect();
        if let Err(e) = save_run(&env, &model, index, &all).await {
            model.borrow_mut().runs[index].stop(fill(Text::StoreFailed.get(env.locale), &[&e]));
        }
        // When this page first saw each job still running, to notice one Zendesk never runs.
        let mut running_since: BTreeMap<String, f64> = BTreeMap::new();
        loop {
            let step = model.borrow().runs[index].next_step();
            let touched = match &step {
                Step::Verify { batch, .. }
                | Step::Submit { batch, .. }
                | Step::Poll { batch, .. }
                | Step::Journal { batch, .. } => Some(*batch),
                Step::Paused | Step::Finished => None,
            };
            let outcome: Result<(), String> = match step {
                Step::Verify { batch, ids } => zendesk
                    .field_values(&ids, &key)
                    .await
                    .map_err(|e| e.message())
                    .map(|values| {
                        model.borrow_mut().runs[index]
                            .verified(batch, &|id| values.get(id).cloned());
                    }),
                Step::Submit { batch, writes } => zendesk
                    .update_many(&writes, &key)
                    .await
                    .map_err(|e| e.message())
                    .map(|job| {
                        model.borrow_mut().runs[index].submitted(batch, job);
                    })
                    .inspect_err(|_| {
                        // No answer is not "nothing written": re-read the batch on resume.
                        model.borrow_mut().runs[index].uncertain(batch);
                    }),
                Step::Poll { batch, job } => match zendesk.job(&job).await {
                    Ok(JobState::Running) => {
                        let since = *running_since
                            .entry(job.clone())
                            .or_insert_with(js_sys::Date::now);
                        if js_sys::Date::now() - since > JOB_PATIENCE_MS {
                            // Stopping keeps the job: resuming polls it again, never resubmits.
                            Err(fill(
                                Text::JobStuck.get(env.locale),
                                &[&job, &(JOB_PATIENCE_MS / 60_000.0).to_string()],
                            ))
                        } else {
                            gloo::timers::future::sleep(std::time::Duration::from_millis(700))
                                .await;
                            continue; // nothing changed: nothing to store
                        }
                    }
                    Ok(JobState::Completed(failures)) => {
                        let failures: BTreeMap<String, String> = failures.into_iter().collect();
                        model.borrow_mut().runs[index]
                            .job_done(batch, &|id| failures.get(id).cloned());
                        Ok(())
                    }
                    Ok(JobState::Lost) => {
                        model.borrow_mut().runs[index].job_lost(batch);
                        Ok(())
                    }
                    Ok(JobState::Failed(why)) => {
                        // It may have written some items before failing: re-read them on resume.
                        model.borrow_mut().runs[index].uncertain(batch);
                        Err(format!("Zendesk's bulk job failed: {why}"))
                    }
                    Err(e) => Err(e.message()),
                },
                Step::Journal { batch, items } => {
                    journal(&env, &model, index, &items).await.map(|()| {
                        model.borrow_mut().runs[index].journaled(batch);
                    })
                }
                Step::Paused | Step::Finished => break,
            };
            // A wait the agent cut short with Pause is not an error.
            if let Err(why) = outcome
                && !model.borrow().runs[index].paused
            {
                model.borrow_mut().runs[index].stop(why);
            }
            let batches: Vec<usize> = touched.into_iter().collect();
            if let Err(e) = save_run(&env, &model, index, &batches).await {
                model.borrow_mut().runs[index].stop(fill(Text::StoreFailed.get(env.locale), &[&e]));
            }
            redraw();
        }
        // The head again: paused or stopped is part of it.
        let _ = save_run(&env, &model, index, &[]).await;
        let mut m = model.borrow_mut();
        m.driving = None;
        m.waiting = None;
        drop(m);
        redraw();
    });
}

/// Journals a batch's writes in the relay, one link event each, under the run's ID, in one
/// request (`/v1/link-events/batch`).
async fn journal(
    env: &AppEnv,
    model: &Shared,
    index: usize,
    items: &[crate::review::PlanItem],
) -> Result<(), String> {
    let (run_id, kind, agent) = {
        let m = model.borrow();
        let r = &m.runs[index];
        (
            r.id.clone(),
            r.kind.clone(),
            if r.agent.is_empty() {
                m.agent.clone()
            } else {
                r.agent.clone()
            },
        )
    };
    let events = items.iter().map(|item| {
        let action = match (&kind, &item.write) {
            (RunKind::Undo { .. }, _) => LinkAction::Undo,
            (RunKind::Link, Some(_)) => LinkAction::Link,
            (RunKind::Link, None) => LinkAction::Unlink,
        };
        NewLinkEvent {
            action,
            contact_id: item.contact_id.clone(),
            old_value: item.expect.clone(),
            new_value: item.write.clone(),
            actor: agent.clone(),
            batch_id: Some(run_id.clone()),
            undoes: match &kind {
                RunKind::Undo { of, .. } => Some(of.clone()),
                RunKind::Link => None,
            },
            reason: Some(item.reason.clone()).filter(|r| !r.is_empty()),
        }
    });
    // One request for the batch; the relay skips what it already has, so a journal step
    // repeated after a lost answer leaves one entry per write.
    let batch = NewLinkEvents {
        events: events.collect(),
    };
    let body = relay::encode(&batch).map_err(|e| relay_error(e, env.locale))?;
    let _: RecordedLinkEvents = relay::request(
        &env.host,
        Method::Post,
        "/v1/link-events/batch".into(),
        Some(body),
    )
    .await
    .map_err(|e| relay_error(e, env.locale))?;
    Ok(())
}

/// The runs kept in the relay, oldest first, by their heads alone.
async fn load_runs(env: &AppEnv) -> Result<Vec<Run>, String> {
    let mut heads: Vec<RunHead> = documents(env, HEADS_PREFIX).await?;
    let layout: Vec<Layout> = documents(env, LAYOUT_KEY).await?;
    if layout.is_empty() {
        heads.extend(move_legacy_heads(env).await?);
    }
    heads.sort_by_key(|h| h.started_at);
    Ok(heads.into_iter().map(Run::from_head).collect())
}

/// The relay document that says runs are stored with their heads apart (written once).
const LAYOUT_KEY: &str = "bulk-meta/layout";

#[derive(serde::Serialize, serde::Deserialize)]
struct Layout {
    heads: u32,
}

/// Runs stored before heads had their own prefix (`bulk-run/<id>/head`, with no summary): read
/// once with their batches, given a head under [`HEADS_PREFIX`], then the layout is marked so
/// later page loads read heads only. Nothing is deleted.
async fn move_legacy_heads(env: &AppEnv) -> Result<Vec<RunHead>, String> {
    let path = format!("/v1/documents?prefix={}", encode_component(RUNS_PREFIX));
    let list: DocumentList = relay::request(&env.host, Method::Get, path, None)
        .await
        .map_err(|e| relay_error(e, env.locale))?;
    let mut heads: Vec<RunHead> = Vec::new();
    let mut batches: BTreeMap<String, Vec<Batch>> = BTreeMap::new();
    // Keys sort as `<id>/batch/00000` … `<id>/head`, so batches come in order.
    for doc in list.documents {
        let Some((id, part)) = doc
            .key
            .strip_prefix(RUNS_PREFIX)
            .and_then(|rest| rest.split_once('/'))
        else {
            continue;
        };
        let bad = |e: relay::RelayError| format!("{}: {e:?}", doc.key);
        if part == "head" {
            heads.push(relay::decode(&doc.body).map_err(bad)?);
        } else if part.starts_with("batch/") {
            let batch = relay::decode(&doc.body).map_err(bad)?;
            batches.entry(id.to_owned()).or_default().push(batch);
        }
    }
    let mut moved = Vec::new();
    for head in heads {
        let b = batches.remove(&head.id).unwrap_or_default();
        let Some(run) = Run::from_parts(head, b) else {
            continue; // incomplete: left where it is, as before
        };
        let head = run.head();
        let body = relay::encode(&head).map_err(|e| format!("{e:?}"))?;
        put_document(env, format!("{HEADS_PREFIX}{}", head.id), body).await?;
        moved.push(head);
    }
    let body = relay::encode(&Layout { heads: 2 }).map_err(|e| format!("{e:?}"))?;
    put_document(env, LAYOUT_KEY.into(), body).await?;
    Ok(moved)
}

/// Run `id`'s batches, in order.
async fn load_batches(env: &AppEnv, id: &str) -> Result<Vec<Batch>, String> {
    documents(env, &format!("{RUNS_PREFIX}{id}/batch/")).await
}

/// The bodies of the relay documents under `prefix`, in key order.
async fn documents<T: serde::de::DeserializeOwned>(
    env: &AppEnv,
    prefix: &str,
) -> Result<Vec<T>, String> {
    let path = format!("/v1/documents?prefix={}", encode_component(prefix));
    let list: DocumentList = relay::request(&env.host, Method::Get, path, None)
        .await
        .map_err(|e| relay_error(e, env.locale))?;
    list.documents
        .iter()
        .map(|doc| relay::decode(&doc.body).map_err(|e| format!("{}: {e:?}", doc.key)))
        .collect()
}

/// Stores run `index`'s head and the listed batches in the relay.
async fn save_run(
    env: &AppEnv,
    model: &Shared,
    index: usize,
    batches: &[usize],
) -> Result<(), String> {
    let (id, head, bodies) = {
        let m = model.borrow();
        let run = &m.runs[index];
        let bodies = batches
            .iter()
            .map(|&b| relay::encode(&run.batches[b]).map(|body| (b, body)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{e:?}"))?;
        let head = relay::encode(&run.head()).map_err(|e| format!("{e:?}"))?;
        (run.id.clone(), head, bodies)
    };
    for (b, body) in bodies {
        put_document(env, format!("{RUNS_PREFIX}{id}/batch/{b:05}"), body).await?;
    }
    put_document(env, format!("{HEADS_PREFIX}{id}"), head).await
}

async fn put_document(env: &AppEnv, key: String, body: String) -> Result<(), String> {
    let request = RelayRequest {
        method: Method::Put,
        path: format!("/v1/documents/{key}"),
        body: Some(body),
    };
    let reply = env.host.relay(request).await;
    reply
        .map_err(|u| relay::RelayError::Unreachable(u.0))
        .and_then(relay::classify)
        .map(|_| ())
        .map_err(|e| relay_error(e, env.locale))
}

/// A relay failure in the agent's words, saying what to do (the sidebar's own messages).
fn relay_error(e: relay::RelayError, locale: Locale) -> String {
    telegram_sidebar::errors::AppError::from(e).message(locale)
}

/// Offers `text` as a download named `name`, without leaving the app.
fn save_file(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(a) = doc
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// "3 min" from the pace since this page started driving the run (`settled_then` items done at
/// `since`, in ms), once there is a pace to go by.
fn time_left(since: f64, settled_then: usize, settled: usize, total: usize) -> Option<String> {
    let done = settled.checked_sub(settled_then).filter(|&d| d > 0)?;
    let per_item = (js_sys::Date::now() - since) / 1000.0 / done as f64;
    let secs = (per_item * total.saturating_sub(settled) as f64).round() as u64;
    Some(match secs {
        0..=59 => format!("{} s", secs.max(1)),
        60..=3599 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    })
}

/// A run ID unique across tabs and agents: the time and a random suffix.
fn run_id(kind: &str, now: i64) -> String {
    let random = (js_sys::Math::random() * 4_294_967_296.0) as u32;
    format!("{kind}-{now}-{random:08x}")
}

fn now_secs() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// `2026-12-02` (the agent's calendar day), for file names.
fn today() -> String {
    let (year, month, day) = telegram_sidebar::time::day_key(now_secs());
    format!("{year:04}-{:02}-{day:02}", month + 1)
}

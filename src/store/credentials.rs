//! Credentials of the vault and pushed one-time codes. A credential's row holds the parts
//! responses show and its values sealed by the vault; no value is ever written in clear, and the
//! key that opens them is not here. Deleting a credential drops its sealed values and keeps the
//! rest of the row. A pushed code is taken once, by the newest match, in one transaction.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Store, StoreError, rows};
use crate::clock;
use crate::ids::{CredentialId, TotpCodeId};
use crate::vault::{
    CodeWanted, Credential, CredentialType, PUSHED_CODE_LIFESPAN, PushedCode, Sealed, SecretText, Shown, TotpType,
};

const COLUMNS: &str = "id, name, credential_type, username, totp_type, totp_identifier, card_last_four, card_brand,
    secret_label, created_at, modified_at";

const CODE_COLUMNS: &str = "id, totp_identifier, code, task_id, workflow_id, workflow_run_id, source, expired_at,
    used_at, created_at, modified_at";

/// Which credentials a listing returns, newest first.
#[derive(Debug, Clone, Default)]
pub struct CredentialFilter {
    pub credential_type: Option<CredentialType>,
    /// Case-insensitive substring of the name or a shown part (username, label, brand, last four).
    pub search: Option<String>,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

fn credential_from_row(row: &Row<'_>) -> rusqlite::Result<Credential> {
    let kind = rows::parsed(row, "credential_type", |text| CredentialType::parse(text).ok_or("unknown type"))?;
    let shown = match kind {
        CredentialType::Password => Shown::Password {
            username: row.get::<_, Option<String>>("username")?.unwrap_or_default(),
            totp_type: rows::optional_parsed(row, "totp_type", |text| TotpType::parse(text).ok_or("unknown type"))?
                .unwrap_or_default(),
            totp_identifier: row.get("totp_identifier")?,
        },
        CredentialType::CreditCard => Shown::CreditCard {
            last_four: row.get::<_, Option<String>>("card_last_four")?.unwrap_or_default(),
            brand: row.get::<_, Option<String>>("card_brand")?.unwrap_or_default(),
        },
        CredentialType::Secret => Shown::Secret { secret_label: row.get("secret_label")? },
    };
    Ok(Credential {
        id: rows::parsed(row, "id", CredentialId::parse)?,
        name: row.get("name")?,
        shown,
        created_at: row.get("created_at")?,
        modified_at: row.get("modified_at")?,
    })
}

fn pushed_code_from_row(row: &Row<'_>) -> rusqlite::Result<PushedCode> {
    Ok(PushedCode {
        id: rows::parsed(row, "id", TotpCodeId::parse)?,
        totp_identifier: row.get("totp_identifier")?,
        code: SecretText::new(row.get::<_, String>("code")?),
        task_id: row.get("task_id")?,
        workflow_id: row.get("workflow_id")?,
        workflow_run_id: row.get("workflow_run_id")?,
        source: row.get("source")?,
        expired_at: row.get("expired_at")?,
        used_at: row.get("used_at")?,
        created_at: row.get("created_at")?,
        modified_at: row.get("modified_at")?,
    })
}

/// The shown columns of `shown`, in `COLUMNS` order after `credential_type`.
type ShownColumns<'a> =
    (Option<&'a str>, Option<&'a str>, Option<&'a str>, Option<&'a str>, Option<&'a str>, Option<&'a str>);

fn shown_columns(shown: &Shown) -> ShownColumns<'_> {
    match shown {
        Shown::Password { username, totp_type, totp_identifier } => {
            (Some(username), Some(totp_type.as_str()), totp_identifier.as_deref(), None, None, None)
        }
        Shown::CreditCard { last_four, brand } => (None, None, None, Some(last_four), Some(brand), None),
        Shown::Secret { secret_label } => (None, None, None, None, None, secret_label.as_deref()),
    }
}

/// A live credential.
fn load(connection: &Connection, id: &CredentialId) -> Result<Credential, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM credentials WHERE id = ?1 AND deleted_at IS NULL");
    rows::found(connection.query_row(&sql, [id.as_str()], credential_from_row), || format!("credential {id}"))
}

impl Store {
    /// Saves a new credential: its shown parts and its sealed values.
    pub async fn insert_credential(
        &self,
        id: &CredentialId,
        name: &str,
        shown: &Shown,
        sealed: Sealed,
    ) -> Result<Credential, StoreError> {
        let (id, name, shown) = (id.clone(), name.to_owned(), shown.clone());
        self.write(move |tx| {
            let (username, totp_type, totp_identifier, last_four, brand, label) = shown_columns(&shown);
            tx.execute(
                "INSERT INTO credentials (id, name, credential_type, username, totp_type, totp_identifier,
                    card_last_four, card_brand, secret_label, sealed_nonce, sealed_values, created_at, modified_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
                params![
                    id.as_str(),
                    name,
                    shown.credential_type().as_str(),
                    username,
                    totp_type,
                    totp_identifier,
                    last_four,
                    brand,
                    label,
                    sealed.nonce,
                    sealed.ciphertext,
                    clock::now(),
                ],
            )?;
            load(tx, &id)
        })
        .await
    }

    /// Overwrites a live credential's name, shown parts and sealed values; its id stays.
    pub async fn replace_credential(
        &self,
        id: &CredentialId,
        name: &str,
        shown: &Shown,
        sealed: Sealed,
    ) -> Result<Credential, StoreError> {
        let (id, name, shown) = (id.clone(), name.to_owned(), shown.clone());
        self.write(move |tx| {
            let (username, totp_type, totp_identifier, last_four, brand, label) = shown_columns(&shown);
            let changed = tx.execute(
                "UPDATE credentials SET name = ?2, credential_type = ?3, username = ?4, totp_type = ?5,
                    totp_identifier = ?6, card_last_four = ?7, card_brand = ?8, secret_label = ?9,
                    sealed_nonce = ?10, sealed_values = ?11, modified_at = ?12
                 WHERE id = ?1 AND deleted_at IS NULL",
                params![
                    id.as_str(),
                    name,
                    shown.credential_type().as_str(),
                    username,
                    totp_type,
                    totp_identifier,
                    last_four,
                    brand,
                    label,
                    sealed.nonce,
                    sealed.ciphertext,
                    clock::now(),
                ],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("credential {id}")));
            }
            load(tx, &id)
        })
        .await
    }

    /// A live credential, without its values.
    pub async fn credential(&self, id: &CredentialId) -> Result<Credential, StoreError> {
        let id = id.clone();
        self.read(move |connection| load(connection, &id)).await
    }

    /// A live credential's sealed values, for the vault to open.
    pub async fn sealed_credential(&self, id: &CredentialId) -> Result<Sealed, StoreError> {
        let id = id.clone();
        self.read(move |connection| {
            let found = connection.query_row(
                "SELECT sealed_nonce, sealed_values FROM credentials WHERE id = ?1 AND deleted_at IS NULL",
                [id.as_str()],
                |row| Ok((row.get::<_, Option<Vec<u8>>>(0)?, row.get::<_, Option<Vec<u8>>>(1)?)),
            );
            match rows::found(found, || format!("credential {id}"))? {
                (Some(nonce), Some(ciphertext)) => Ok(Sealed { nonce, ciphertext }),
                _ => Err(StoreError::Corrupt(format!("credential {id} has no sealed values"))),
            }
        })
        .await
    }

    /// A page of live credentials, newest first.
    pub async fn list_credentials(&self, filter: CredentialFilter) -> Result<Vec<Credential>, StoreError> {
        self.read(move |connection| {
            let pattern = filter.search.map(|text| format!("%{}%", rows::escape_like(&text)));
            let offset = u64::from(filter.page.saturating_sub(1)) * u64::from(filter.page_size);
            let sql = format!(
                "SELECT {COLUMNS} FROM credentials
                 WHERE deleted_at IS NULL AND (?1 IS NULL OR credential_type = ?1)
                   AND (?2 IS NULL OR name LIKE ?2 ESCAPE '\\' OR username LIKE ?2 ESCAPE '\\'
                        OR secret_label LIKE ?2 ESCAPE '\\' OR card_brand LIKE ?2 ESCAPE '\\'
                        OR card_last_four LIKE ?2 ESCAPE '\\')
                 ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {offset}",
                filter.page_size
            );
            let mut statement = connection.prepare(&sql)?;
            let kind = filter.credential_type.map(CredentialType::as_str);
            let credentials =
                statement.query_map(params![kind, pattern], credential_from_row)?.collect::<Result<_, _>>()?;
            Ok(credentials)
        })
        .await
    }

    /// How many live credentials there are.
    pub async fn count_credentials(&self) -> Result<u64, StoreError> {
        self.read(|connection| {
            let count =
                connection
                    .query_row("SELECT COUNT(*) FROM credentials WHERE deleted_at IS NULL", [], |row| row.get(0))?;
            Ok(count)
        })
        .await
    }

    /// Deletes a credential: it leaves every listing and its sealed values are dropped.
    pub async fn delete_credential(&self, id: &CredentialId) -> Result<(), StoreError> {
        let id = id.clone();
        self.write(move |tx| {
            let now = clock::now();
            let changed = tx.execute(
                "UPDATE credentials SET sealed_nonce = NULL, sealed_values = NULL, deleted_at = ?2, modified_at = ?2
                 WHERE id = ?1 AND deleted_at IS NULL",
                params![id.as_str(), now],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("credential {id}")));
            }
            Ok(())
        })
        .await
    }

    /// Keeps a pushed code until a run takes it.
    pub async fn insert_pushed_code(&self, code: &PushedCode) -> Result<(), StoreError> {
        let code = code.clone();
        self.write(move |tx| {
            tx.execute(
                &format!(
                    "INSERT INTO totp_codes ({CODE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ),
                params![
                    code.id.as_str(),
                    code.totp_identifier,
                    code.code.expose(),
                    code.task_id,
                    code.workflow_id,
                    code.workflow_run_id,
                    code.source,
                    code.expired_at,
                    code.used_at,
                    code.created_at,
                    code.modified_at,
                ],
            )?;
            Ok(())
        })
        .await
    }

    /// Takes the newest unused, unexpired pushed code that `wanted` matches, marking it used, so
    /// no other run takes it; `None` when there is none (yet).
    pub async fn take_pushed_code(&self, wanted: &CodeWanted) -> Result<Option<PushedCode>, StoreError> {
        let identifier = wanted.totp_identifier.clone();
        let run_id = wanted.run_id.as_ref().map(|id| id.as_str().to_owned());
        self.write(move |tx| {
            let now = time::OffsetDateTime::now_utc();
            let (now, oldest) = (clock::format(now), clock::format(now - PUSHED_CODE_LIFESPAN));
            let sql = format!(
                "SELECT {CODE_COLUMNS} FROM totp_codes
                 WHERE used_at IS NULL
                   AND ((expired_at IS NULL AND created_at > ?4) OR expired_at > ?3)
                   AND ((?1 IS NOT NULL AND totp_identifier = ?1
                         AND ((task_id IS NULL AND workflow_run_id IS NULL) OR task_id = ?2 OR workflow_run_id = ?2))
                        OR (?1 IS NULL AND (task_id = ?2 OR workflow_run_id = ?2)))
                 ORDER BY created_at DESC, id DESC LIMIT 1"
            );
            let found =
                tx.query_row(&sql, params![identifier, run_id, now, oldest], pushed_code_from_row).optional()?;
            let Some(mut code) = found else { return Ok(None) };
            tx.execute(
                "UPDATE totp_codes SET used_at = ?2, modified_at = ?2 WHERE id = ?1",
                params![code.id.as_str(), now],
            )?;
            code.used_at = Some(now.clone());
            code.modified_at = now;
            Ok(Some(code))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RunId;
    use crate::vault::PushedCodeRequest;

    fn a_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("skyvern.db")).unwrap();
        (dir, store)
    }

    fn pushed(identifier: &str, content: &str, task_id: Option<&str>, expired_at: Option<&str>) -> PushedCode {
        PushedCodeRequest {
            totp_identifier: identifier.into(),
            content: content.into(),
            task_id: task_id.map(str::to_owned),
            workflow_id: None,
            workflow_run_id: None,
            source: None,
            expired_at: expired_at.map(str::to_owned),
        }
        .into_pushed_code()
        .unwrap()
    }

    fn wanted(identifier: Option<&str>, run_id: Option<&str>) -> CodeWanted {
        CodeWanted {
            totp_identifier: identifier.map(str::to_owned),
            run_id: run_id.map(|id| RunId::parse(id).unwrap()),
        }
    }

    async fn take(store: &Store, wanted: &CodeWanted) -> Option<String> {
        store.take_pushed_code(wanted).await.unwrap().map(|code| code.code.expose().to_owned())
    }

    #[tokio::test]
    async fn the_newest_code_for_an_identifier_is_taken_once() {
        let (_dir, store) = a_store();
        store.insert_pushed_code(&pushed("ada@example.org", "Your code is 111111", None, None)).await.unwrap();
        store.insert_pushed_code(&pushed("ADA@example.org", "Your code is 222222", None, None)).await.unwrap();
        let for_ada = wanted(Some("ada@example.org"), Some("tsk_1"));
        assert_eq!(take(&store, &for_ada).await.as_deref(), Some("222222"), "the newest, whatever the case");
        assert_eq!(take(&store, &for_ada).await.as_deref(), Some("111111"), "then the older one");
        assert_eq!(take(&store, &for_ada).await, None, "each is taken once");
        assert_eq!(take(&store, &wanted(Some("bob@example.org"), None)).await, None);
    }

    #[tokio::test]
    async fn a_code_meant_for_one_run_is_taken_by_that_run_only() {
        let (_dir, store) = a_store();
        store.insert_pushed_code(&pushed("ada@example.org", "333333", Some("tsk_7"), None)).await.unwrap();
        assert_eq!(take(&store, &wanted(Some("ada@example.org"), Some("tsk_8"))).await, None);
        assert_eq!(take(&store, &wanted(None, None)).await, None, "nothing asked, nothing taken");
        assert_eq!(take(&store, &wanted(None, Some("tsk_7"))).await.as_deref(), Some("333333"));
    }

    #[tokio::test]
    async fn an_expired_code_is_never_taken_nor_one_older_than_ten_minutes_without_an_expiry() {
        let (_dir, store) = a_store();
        store
            .insert_pushed_code(&pushed("ada@example.org", "444444", None, Some("2020-01-01T00:00:00Z")))
            .await
            .unwrap();
        let mut stale = pushed("ada@example.org", "555555", None, None);
        stale.created_at = clock::format(time::OffsetDateTime::now_utc() - time::Duration::minutes(11));
        store.insert_pushed_code(&stale).await.unwrap();
        assert_eq!(take(&store, &wanted(Some("ada@example.org"), None)).await, None);
        store
            .insert_pushed_code(&pushed("ada@example.org", "666666", None, Some("2999-01-01T00:00:00Z")))
            .await
            .unwrap();
        assert_eq!(take(&store, &wanted(Some("ada@example.org"), None)).await.as_deref(), Some("666666"));
    }
}

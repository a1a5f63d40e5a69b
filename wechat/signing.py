"""WeChat's request signatures and message encryption (wechatpy does the AES)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from wechatpy.crypto import PrpCrypto
from wechatpy.exceptions import InvalidAppIdException


class BadSignature(Exception):
    pass


class CannotDecrypt(Exception):
    pass


def sign(*parts: str) -> str:
    """SHA-1 over the sorted, concatenated parts: WeChat's signature and msg_signature."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def check(expected_parts: tuple[str, ...], given: str) -> None:
    if not hmac.compare_digest(sign(*expected_parts).encode(), given.encode()):
        raise BadSignature()


class Cipher:
    """Safe-mode encryption for one account."""

    def __init__(self, token: str, aes_key: str, appid: str) -> None:
        self._token = token
        self._appid = appid
        # One wechatpy PrpCrypto for the account: its AES cipher object is reusable, and
        # building it per message was a measurable share of the hot path.
        self._prp = PrpCrypto(base64.b64decode(aes_key + "="))

    def decrypt(self, encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> bytes:
        """Check msg_signature (constant time), then decrypt and check the AppID."""
        check((self._token, timestamp, nonce, encrypted), msg_signature)
        try:
            plain = self._prp.decrypt(encrypted, self._appid)
        except InvalidAppIdException:
            raise CannotDecrypt("message is for another AppID") from None
        except Exception as exc:  # wechatpy raises bare errors on bad base64/padding/lengths
            raise CannotDecrypt("message cannot be decrypted") from exc
        return plain if isinstance(plain, bytes) else str(plain).encode("utf-8")

    def seal(self, xml: str) -> str:
        """The base64 text of the Encrypt field for ``xml``."""
        sealed: bytes = self._prp.encrypt(xml, self._appid)
        return sealed.decode("ascii")

    def encrypt(self, xml: str, nonce: str, timestamp: str) -> str:
        """The encrypted envelope for a passive reply, as WeChatCrypto.encrypt_message
        renders it."""
        encrypted = self.seal(xml)
        signature = sign(self._token, timestamp, nonce, encrypted)
        return (
            f"<xml>\n<Encrypt><![CDATA[{encrypted}]]></Encrypt>\n"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>\n"
            f"<TimeStamp>{timestamp}</TimeStamp>\n"
            f"<Nonce><![CDATA[{nonce}]]></Nonce>\n</xml>"
        )

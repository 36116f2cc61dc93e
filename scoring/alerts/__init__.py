"""Alerts: the audit digest posted to a team chat's group robot (DingTalk, WeCom, Feishu)."""

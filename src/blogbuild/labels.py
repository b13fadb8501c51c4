"""The words the theme and the feeds show around a site's own text, in Chinese (any
`zh-*` language) or English (any other)."""

from __future__ import annotations

LABELS = {
    "zh": {"home": "首页", "read_more": "点击阅读全文...", "readers": "位读者", "cite": "引用",
           "recent_comments": "最近评论", "no_comments": "暂无评论", "comments": "评论",
           "comments_count": "条评论", "newer": "较新文章", "older": "较早文章",
           "cite_heading": "引用本文", "not_found": "这个页面不存在。",
           "latest_posts": "最新文章", "powered_by": "由", "page": "第 {n} 页",
           "tag": "标签", "category": "分类", "series": "系列", "archives": "归档",
           "terms": "标签与分类", "series_nav": "本系列", "older_post": "上一篇",
           "newer_post": "下一篇", "related": "相关文章", "month": "{year}年{month}月",
           "search": "搜索", "updated": "更新于", "categories": "分类", "tags": "标签",
           "formula": "[公式]", "code": "[代码]", "image": "[图片]", "reply_to": "回复",
           "skip_to_content": "跳到正文", "pages": "分页",
           "series_all": "全部 {n} 篇"},
    "en": {"home": "Home", "read_more": "Read more...", "readers": " readers", "cite": "Cite",
           "recent_comments": "Recent comments", "no_comments": "No comments yet",
           "comments": "Comments", "comments_count": " comments", "newer": "Newer",
           "older": "Older", "cite_heading": "Cite this post",
           "not_found": "This page does not exist.", "latest_posts": "Latest posts",
           "powered_by": "built with", "page": "Page {n}",
           "tag": "Tag", "category": "Category", "series": "Series", "archives": "Archives",
           "terms": "Tags and categories", "series_nav": "In this series",
           "older_post": "Previous", "newer_post": "Next", "related": "Related posts",
           "month": "{year}-{month:02d}", "search": "Search", "updated": "updated",
           "categories": "Categories", "tags": "Tags",
           "formula": "[formula]", "code": "[code]", "image": "[image]",
           "reply_to": "replying to", "skip_to_content": "Skip to content",
           "pages": "Pages", "series_all": "all {n} parts"},
}


def labels_for(language: str) -> dict[str, str]:
    return LABELS["zh" if language.lower().startswith("zh") else "en"]

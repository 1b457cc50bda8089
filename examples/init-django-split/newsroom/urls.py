from django.urls import path

from stories import views

urlpatterns = [path("", views.front_page), path("stories/<int:number>", views.story)]
